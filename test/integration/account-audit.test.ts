import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { ddb } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import type { AuditEvent } from '../../shared/domain/audit';
import { formatRecoveryCode } from '../../shared/domain/one-time-code';
import { issueRecoveryCode } from '../../shared/services/one-time-codes';
import { runCli, type CliRun } from '../support/cli';
import { PASSWORD, residentId } from '../support/factories';
import { codeSentTo, login, register, requestCode, testMobile } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { sensitiveFindings } from '../support/pii-scan';
import { fetchFrom } from '../support/source-http';

/**
 * Account changes in the one audit trail (issue 13 §3, issue 11 §5), on the local stack with its table stream: each
 * change a holder makes through the API, and each helpdesk action, is one event under the identity — who (the holder
 * or the operator), when, what (action and the names of the fields it changed), from where (the holder's source
 * address; the operator's machine) — and `ecert audit --holder` shows them, by ID number or by holderId. No event,
 * no stored item of the trail and no CLI output holds an ID number, a contact, a password, a code or a token.
 */
let stack: TestStack;
const idNumber = residentId('19790218');
const contact = testMobile();
const nextContact = testMobile();
/** The settings changes come from an address of their own, so "from where" is the request's, not a constant. */
const SETTINGS_SOURCE = '127.0.0.44';
const sent = [idNumber, contact, nextContact, PASSWORD];
const runs: CliRun[] = [];
const cli = async (...args: string[]) => {
  const run = await runCli([...args, '--data-dir', stack.dataDir]);
  runs.push(run);
  expect(run.code, run.stderr).toBe(0);
  return run;
};

let holderId: string;
let events: AuditEvent[];

async function tokenFor(password: string): Promise<string> {
  const response = await login(stack, { idNumber, password });
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  sent.push(token);
  return token;
}

const fromSettings = (method: string, path: string, token: string, body: unknown) =>
  fetchFrom(SETTINGS_SOURCE, `${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  stack = await startTestStack();

  // Prepare: the life of one account, every change through the API or the helpdesk CLI.
  const registered = await register(stack, { name: '审计甲', idNumber, contact });
  expect(registered.status).toBe(201);
  holderId = ((await registered.json()) as { holderId: string }).holderId;
  let token = await tokenFor(PASSWORD);
  const notice = (await (await stack.api('/v1/notice')).json()) as { version: string };
  expect((await fromSettings('POST', '/v1/notice/acceptance', token, { version: notice.version })).status).toBe(204);
  expect((await fromSettings('PUT', '/v1/accounts/me/name', token, { name: '审计乙', password: PASSWORD })).status).toBe(204);
  expect((await requestCode(stack, { purpose: 'CHANGE_CONTACT', idNumber, contact: nextContact })).status).toBe(202);
  const contactCode = await codeSentTo(stack, nextContact);
  sent.push(contactCode);
  expect((await fromSettings('PUT', '/v1/accounts/me/contact', token, { contact: nextContact, code: contactCode })).status).toBe(204);
  expect((await fromSettings('PUT', '/v1/accounts/me/password', token, { currentPassword: PASSWORD, newPassword: 'Changed-Pass-2027' })).status).toBe(204);
  expect((await requestCode(stack, { purpose: 'RESET_PASSWORD', idNumber })).status).toBe(202);
  const resetCode = await codeSentTo(stack, nextContact);
  sent.push(resetCode);
  const reset = await fetchFrom(SETTINGS_SOURCE, `${stack.apiUrl}/v1/accounts/password-reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ idType: 'RESIDENT_ID', idNumber, code: resetCode, newPassword: 'Reset-Pass-2028' }),
  });
  expect(reset.status).toBe(204);
  await cli('holder', 'show', 'RESIDENT_ID', idNumber);
  const { code: recovery } = await issueRecoveryCode('RESIDENT_ID', await hashIdentity('RESIDENT_ID', idNumber), new Date());
  sent.push(recovery, formatRecoveryCode(recovery));
  expect((await register(stack, { name: '审计丙', idNumber, password: 'Replaced-Pass-2029', code: formatRecoveryCode(recovery) })).status).toBe(201);
  token = await tokenFor('Replaced-Pass-2029');

  // The stream carries the account changes into the trail a moment after each write.
  await stack.drainStreams();
  const run = await cli('audit', '--holder', `RESIDENT_ID:${idNumber}`, '--json');
  events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('account changes in the audit trail', () => {
  it('records each account change once, in order, as the holder made it', () => {
    // Assess
    expect(events.map((e) => e.action)).toEqual([
      'account.register',
      'account.notice-accept',
      'account.name-change',
      'account.contact-change',
      'account.password-change',
      'account.password-reset',
      'holder.show',
      'account.replace',
    ]);
    const account = events.filter((e) => e.action.startsWith('account.'));
    for (const event of account) {
      expect(event.actor).toEqual({ kind: 'holder', id: holderId });
      expect(event.subject).toEqual({ identity: expect.stringMatching(/^RESIDENT_ID#/), holderId });
      expect(Date.parse(event.at)).not.toBeNaN();
    }
    expect([...events.map((e) => e.at)].sort()).toEqual(events.map((e) => e.at));
  });

  it('names what changed (fields and flags, never values) and where the request came from', () => {
    const byAction = new Map(events.map((e) => [e.action, e]));
    expect(byAction.get('account.register')).toMatchObject({
      source: { ip: '127.0.0.1', via: 'api' },
      details: { created: true, contactVerified: true, code: 'VERIFICATION' },
    });
    expect(byAction.get('account.register')!.changes).toEqual(expect.arrayContaining(['name', 'password', 'contact', 'contactVerified']));
    expect(byAction.get('account.name-change')).toMatchObject({ source: { ip: SETTINGS_SOURCE, via: 'api' }, changes: ['name'] });
    expect(byAction.get('account.contact-change')).toMatchObject({ changes: expect.arrayContaining(['contact', 'contactVerified']), details: { channel: 'SMS' } });
    expect(byAction.get('account.password-change')!.changes).toEqual(['password', 'sessions']);
    expect(byAction.get('account.password-reset')).toMatchObject({ source: { ip: SETTINGS_SOURCE }, changes: ['password', 'sessions'], details: { code: 'VERIFICATION' } });
    expect(byAction.get('account.notice-accept')).toMatchObject({ changes: ['noticeVersion'] });
    expect(byAction.get('account.replace')).toMatchObject({ details: { because: expect.any(String), nameChanged: true } });
  });

  it('records the helpdesk look-up as the operator’s action, from their machine', () => {
    const show = events.find((e) => e.action === 'holder.show')!;
    expect(show.actor).toEqual({ kind: 'operator', id: expect.stringMatching(/^local:/) });
    expect(show.source).toMatchObject({ host: expect.any(String), via: 'ecert-cli' });
    expect(show.details).toEqual({ hasAccount: true });
  });

  it('shows the same events by holderId, one line each', async () => {
    // Act
    const run = await cli('audit', '--holder', holderId);

    // Assess
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(lines[2]).toMatch(new RegExp(`account\\.name-change \\| holder \\| by holder ${holderId} \\| from ${SETTINGS_SOURCE.replace(/\./g, '\\.')} api \\| changed name$`));
    expect(run.stderr).toContain(`${events.length} event(s)`);
  });

  it('keeps every secret out of the trail: stored events, CLI output', async () => {
    // Act
    const partition = `AUDIT#ID#RESIDENT_ID#${await hashIdentity('RESIDENT_ID', idNumber)}`;
    const stored = (
      await ddb().send(
        new QueryCommand({ TableName: process.env[ENV.tableName], KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition } }),
      )
    ).Items ?? [];

    // Assess
    expect(stored).toHaveLength(events.length);
    const everything = JSON.stringify(stored) + runs.map((r) => r.stdout + r.stderr).join('\n');
    expect(sensitiveFindings(everything, [...sent, 'Changed-Pass-2027', 'Reset-Pass-2028', 'Replaced-Pass-2029'])).toEqual([]);
  });
});
