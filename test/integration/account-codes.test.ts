import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../../shared/http/problem';
import { consumeCode } from '../../shared/repository/one-time-codes';
import { checkCode, issueRecoveryCode, requestCode } from '../../shared/services/one-time-codes';
import { withinVerificationBudget } from '../../shared/services/verification-budget';
import { identity } from '../support/factories';
import { startTestStack, type TestStack } from '../support/local-stack';
import { failure } from '../support/problems';

/**
 * One-time codes and the verification budget as the use cases run them on the local stack: codes reach the outbox
 * (SMS answerer, aws-ses-v2-local), are checked against their digest, tried at most 5 times and used once; sends are
 * limited; the 10-miss budget of one certificate holds across sources.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

const mobile = () => ({ channel: 'SMS', address: `+86135${randomInt(10_000_000, 99_999_999)}` }) as const;
const codeSentTo = async (address: string): Promise<string | undefined> => {
  const outbox = (await (await stack.api('/dev/outbox')).json()) as Array<{ to: string; text: string }>;
  return /验证码 (\d{6})/.exec(outbox.find((m) => m.to === address)?.text ?? '')?.[1];
};

describe('requestCode / checkCode', () => {
  it('sends a 6-digit code to the contact on record only, which checks once and is used once', async () => {
    // Prepare
    const id = identity();
    const record = mobile();
    const typed = mobile();

    // Act
    const answer = await requestCode({ purpose: 'REGISTER', ...id, contact: typed, sourceIp: '127.0.0.9', now: new Date() }, { onRecord: [record] });
    const code = await codeSentTo(record.address);
    const stored = await checkCode('REGISTER', id.idType, id.idHash, code!, new Date());
    const usedOnce = await consumeCode(stored);
    const again = await failure(checkCode('REGISTER', id.idType, id.idHash, code!, new Date()));

    // Assess
    expect(Date.parse(answer.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(code).toMatch(/^\d{6}$/);
    expect(await codeSentTo(typed.address)).toBeUndefined();
    expect(stored.sentTo).toEqual({ destination: 'RECORD', contact: record });
    expect(usedOnce).toBe(true);
    expect(again.code).toBe('CODE_INVALID');
  });

  it('answers alike whether or not there is anywhere to send', async () => {
    // Act
    const now = new Date();
    const nowhere = await requestCode({ purpose: 'RESET_PASSWORD', ...identity(), sourceIp: '127.0.0.9', now }, {});
    const somewhere = await requestCode({ purpose: 'RESET_PASSWORD', ...identity(), sourceIp: '127.0.0.9', now }, { account: mobile() });

    // Assess
    expect(nowhere).toEqual(somewhere);
  });

  it('gives a wrong code 5 tries in all: the right one fails after them', async () => {
    // Prepare
    const id = identity();
    const to = mobile();
    await requestCode({ purpose: 'CHANGE_CONTACT', ...id, contact: to, sourceIp: '127.0.0.9', now: new Date() }, {});
    const code = (await codeSentTo(to.address))!;
    const wrongCode = code === '000000' ? '000001' : '000000';

    // Act
    const misses = [];
    for (let i = 0; i < 5; i++) misses.push((await failure(checkCode('CHANGE_CONTACT', id.idType, id.idHash, wrongCode, new Date()))).code);
    const right = await failure(checkCode('CHANGE_CONTACT', id.idType, id.idHash, code, new Date()));

    // Assess
    expect(misses).toEqual(Array(5).fill('CODE_INVALID'));
    expect(right.code).toBe('CODE_INVALID');
  });

  it('accepts a helpdesk recovery code for any purpose, as typed from print', async () => {
    // Prepare
    const id = identity();
    const { code } = await issueRecoveryCode(id.idType, id.idHash, new Date());
    const printed = `r-${code.slice(1, 5)}-${code.slice(5, 9)}-${code.slice(9)}`.toLowerCase();

    // Act
    const stored = await checkCode('RESET_PASSWORD', id.idType, id.idHash, printed, new Date());

    // Assess
    expect(stored.kind).toBe('RECOVERY');
  });

  it('limits sends per identity: a sixth code within the hour is refused with Retry-After', async () => {
    // Prepare
    const id = identity();
    const now = new Date();
    for (let i = 0; i < 5; i++) await requestCode({ purpose: 'REGISTER', ...id, contact: mobile(), sourceIp: `127.0.1.${i + 1}`, now }, {});

    // Act
    const refused = await failure(requestCode({ purpose: 'REGISTER', ...id, contact: mobile(), sourceIp: '127.0.1.9', now }, {}));

    // Assess
    expect(refused.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
  });
});

describe('withinVerificationBudget', () => {
  const miss = () => Promise.reject(problem('NOT_FOUND'));

  it('refuses a certificate after 10 misses from any sources, with one body for all, and does not count matches', async () => {
    // Prepare
    const certId = `ZB${randomInt(1e9)}`;
    const now = new Date();
    for (let i = 0; i < 9; i++) await failure(withinVerificationBudget(certId, now, miss));
    for (let i = 0; i < 5; i++) expect(await withinVerificationBudget(certId, now, async () => 'match')).toBe('match');
    await failure(withinVerificationBudget(certId, now, miss));

    // Act
    const refused = await failure(withinVerificationBudget(certId, now, async () => 'match'));
    const otherCert = `ZC${randomInt(1e9)}`;
    for (let i = 0; i < 10; i++) await failure(withinVerificationBudget(otherCert, now, miss));
    const other = await failure(withinVerificationBudget(otherCert, now, miss));
    const later = await withinVerificationBudget(certId, new Date(now.getTime() + 3600_000), async () => 'match');

    // Assess
    expect(refused.code).toBe('TOO_MANY_ATTEMPTS');
    expect(refused.toBody()).toEqual(other.toBody());
    expect(later).toBe('match');
  });
});
