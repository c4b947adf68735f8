import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMessage } from '../../shared/messaging/send';
import { ROUTES } from '../../shared/resources/routes';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * Messages through the real SES v2 and End User Messaging SMS clients, locally to aws-ses-v2-local and the runtime's
 * SMS answerer, and the local-only outbox that lists them.
 */
let stack: TestStack;
interface OutboxMessage {
  to: string;
  channel: 'SMS' | 'EMAIL';
  subject?: string;
  text: string;
  sentAt: string;
}

beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

const outbox = async () => (await (await stack.api('/dev/outbox')).json()) as OutboxMessage[];

describe('sending', () => {
  it('delivers an SMS and an e-mail through the real clients, listed newest first in GET /dev/outbox', async () => {
    // Prepare
    const mobile = `+86139${String(randomInt(10_000_000, 99_999_999))}`;
    const email = `holder${randomInt(1e9)}@example.com`;

    // Act
    const sms = await sendMessage({ channel: 'SMS', address: mobile }, { subject: '测试', text: '短信正文 𠮷' });
    await new Promise((r) => setTimeout(r, 1100));
    const mail = await sendMessage({ channel: 'EMAIL', address: email }, { subject: '邮件主题', text: '邮件正文 𠮷' });
    const response = await stack.api('/dev/outbox');
    const listed = ((await response.json()) as OutboxMessage[]).filter((m) => m.to === mobile || m.to === email);

    // Assess
    expect(sms.messageId).toBeTruthy();
    expect(mail.messageId).toBeTruthy();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(listed).toEqual([
      { to: email, channel: 'EMAIL', subject: '邮件主题', text: '邮件正文 𠮷', sentAt: expect.any(String) },
      { to: mobile, channel: 'SMS', text: '短信正文 𠮷', sentAt: expect.any(String) },
    ]);
    expect(Date.parse(listed[0]!.sentAt)).toBeGreaterThanOrEqual(Date.parse(listed[1]!.sentAt) - 1000);
  });

  it('reports a refused message by channel and error name, never with the destination', async () => {
    // Act
    const error = await sendMessage({ channel: 'SMS', address: '+861' }, { subject: 's', text: 't' }).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MessageNotSentError', channel: 'SMS' });
    expect((error as Error).message).not.toContain('+861');
  });
});

describe('the outbox', () => {
  it('has a page that lists the messages', async () => {
    // Act
    const page = await stack.api('/dev/outbox.html');
    const script = await stack.api('/dev/outbox.js');

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('本地发件箱');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("fetch('/dev/outbox')");
  });

  it('answers GET only', async () => {
    expect((await stack.api('/dev/outbox', { method: 'POST' })).status).toBe(405);
    expect(Array.isArray(await outbox())).toBe(true);
  });

  it('is no route of the cloud stack', () => {
    expect(ROUTES.filter((route) => route.path.startsWith('/dev'))).toEqual([]);
  });
});
