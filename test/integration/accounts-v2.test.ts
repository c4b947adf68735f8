import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { getSecret } from '../../shared/config/secrets';
import { formatRecoveryCode } from '../../shared/domain/one-time-code';
import { upsertCertificate } from '../../shared/repository/certificates';
import { issueRecoveryCode } from '../../shared/services/one-time-codes';
import { certificateRecord, PASSWORD, residentId } from '../support/factories';
import { codeSentTo, jsonInit, login, register, requestCode, sessionFor, testMobile } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { captureLogs, type LogCapture } from '../support/log-capture';
import { sensitiveFindings } from '../support/pii-scan';
import { fetchFrom } from '../support/source-http';

/**
 * Accounts v2 over HTTP on the local stack: the enumeration equalities, re-registration (a helpdesk recovery code
 * replaces a squatter, every old session 401), password reset, the account settings, and the 10-miss budget of
 * POST /v1/verify. Everything logged is scanned for ID numbers, contacts, codes, passwords and tokens.
 */
let stack: TestStack;
let logs: LogCapture;
const sent: string[] = [PASSWORD];

beforeAll(async () => {
  logs = captureLogs();
  stack = await startTestStack({ queueConsumers: false, log: logs.log });
});
afterAll(async () => {
  await stack?.stop();
  logs?.stop();
  expect(sensitiveFindings(logs.text(), sent)).toEqual([]);
});

const identity = () => {
  const idNumber = residentId();
  sent.push(idNumber);
  return idNumber;
};
const mobile = () => {
  const m = testMobile();
  sent.push(m);
  return m;
};
async function tokenOf(idNumber: string, password = PASSWORD): Promise<string> {
  const response = await login(stack, { idNumber, password });
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  sent.push(token);
  return token;
}
const put = (token: string, path: string, body: unknown) => stack.api(path, jsonInit('PUT', body, { authorization: `Bearer ${token}` }));

describe('POST /v1/verification-codes', () => {
  it('answers registered, unregistered and nonexistent identities with the same status and body', async () => {
    // Prepare
    const registered = identity();
    expect((await register(stack, { name: '陈一', idNumber: registered, contact: mobile() })).status).toBe(201);
    const unregistered = certificateRecord();
    sent.push(unregistered.idNumber);
    await upsertCertificate(unregistered, await getSecret('idHashKey'));

    // Act
    const answers = await Promise.all(
      [registered, unregistered.idNumber, identity(), '123'].map(async (idNumber) => {
        const response = await requestCode(stack, { purpose: 'RESET_PASSWORD', idNumber });
        const body = (await response.json()) as { expiresAt: string };
        return { status: response.status, keys: Object.keys(body), minutes: Math.round((Date.parse(body.expiresAt) - Date.now()) / 60_000) };
      }),
    );

    // Assess
    expect(answers).toEqual(Array(4).fill({ status: 202, keys: ['expiresAt'], minutes: 10 }));
  });

  it('refuses a contact that is neither a mobile nor an e-mail address, without repeating it', async () => {
    const response = await requestCode(stack, { purpose: 'REGISTER', idNumber: identity(), contact: 'call me maybe' });
    expect(response.status).toBe(422);
    expect(await response.text()).not.toContain('call me maybe');
  });
});

describe('POST /v1/accounts', () => {
  it('answers a wrong code alike for a registered and an unregistered identity', async () => {
    // Prepare
    const registered = identity();
    await register(stack, { name: '陈二', idNumber: registered, contact: mobile() });

    // Act
    const answers = await Promise.all(
      [registered, identity()].map(async (idNumber) => {
        const response = await register(stack, { name: '陈二', idNumber, code: '000000' });
        return [response.status, await response.json()];
      }),
    );

    // Assess
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe(422);
    expect(answers[0]![1]).toMatchObject({ code: 'CODE_INVALID' });
  });

  it('replaces a squatter with a helpdesk recovery code: new name and password, every old session 401', async () => {
    // Prepare
    const idNumber = identity();
    await register(stack, { name: '冒名', idNumber, password: 'Squatter-2026', contact: mobile() });
    const squatterToken = await tokenOf(idNumber, 'Squatter-2026');
    const { code } = await issueRecoveryCode('RESIDENT_ID', await hashIdentity('RESIDENT_ID', idNumber), new Date());
    sent.push(code);

    // Act
    const replaced = await register(stack, { name: '陈真', idNumber, code: formatRecoveryCode(code) });
    const old = await stack.api('/v1/accounts/me', { headers: { authorization: `Bearer ${squatterToken}` } });
    const me = await (await stack.api('/v1/accounts/me', { headers: { authorization: `Bearer ${await tokenOf(idNumber)}` } })).json();

    // Assess
    expect(replaced.status).toBe(201);
    expect(old.status).toBe(401);
    expect((await login(stack, { idNumber, password: 'Squatter-2026' })).status).toBe(401);
    // The squatter's contact is gone with the account it belonged to: a recovery code proves no contact.
    expect(me).toEqual({ holderId: expect.any(String), name: '陈真', idType: 'RESIDENT_ID', idNumberMasked: expect.stringMatching(/^\d{3}\*+/) });
  });
});

describe('password reset and account settings', () => {
  it('resets a forgotten password with a code to the verified contact; old sessions 401', async () => {
    // Prepare
    const idNumber = identity();
    const contact = mobile();
    await register(stack, { name: '陈三', idNumber, contact });
    const before = await tokenOf(idNumber);
    expect((await requestCode(stack, { purpose: 'RESET_PASSWORD', idNumber })).status).toBe(202);
    const code = await codeSentTo(stack, contact);
    sent.push(code);

    // Act
    const reset = await stack.api('/v1/accounts/password-reset', jsonInit('POST', { idType: 'RESIDENT_ID', idNumber, code, newPassword: 'Reset-Pass-2027' }));
    const again = await stack.api('/v1/accounts/password-reset', jsonInit('POST', { idType: 'RESIDENT_ID', idNumber, code, newPassword: 'Reset-Pass-2028' }));

    // Assess
    expect(reset.status).toBe(204);
    expect(again.status).toBe(422);
    expect((await stack.api('/v1/accounts/me', { headers: { authorization: `Bearer ${before}` } })).status).toBe(401);
    expect((await login(stack, { idNumber, password: 'Reset-Pass-2027' })).status).toBe(200);
  });

  it('shows the account masked, corrects the name with the password, changes the contact with a code', async () => {
    // Prepare
    const idNumber = identity();
    const first = mobile();
    await register(stack, { name: '陈四', idNumber, contact: first });
    const token = await tokenOf(idNumber);
    const holder = sessionFor(stack, token, '');
    const next = mobile();

    // Act
    const me = (await (await holder.get('/v1/accounts/me')).json()) as Record<string, string>;
    const wrongPassword = await put(token, '/v1/accounts/me/name', { name: '陈肆', password: 'Wrong-Pass-1' });
    const renamed = await put(token, '/v1/accounts/me/name', { name: '陈肆', password: PASSWORD });
    await requestCode(stack, { purpose: 'CHANGE_CONTACT', idNumber, contact: next });
    const code = await codeSentTo(stack, next);
    sent.push(code);
    const changed = await put(token, '/v1/accounts/me/contact', { contact: next, code });
    const after = (await (await holder.get('/v1/accounts/me')).json()) as Record<string, string>;

    // Assess
    expect(me).toMatchObject({ name: '陈四', contactMasked: `${first.slice(3, 6)}****${first.slice(-4)}`, contactChannel: 'SMS' });
    expect(JSON.stringify(me)).not.toContain(first.slice(3));
    expect(JSON.stringify(me)).not.toContain(idNumber);
    expect(wrongPassword.status).toBe(401);
    expect(await wrongPassword.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(renamed.status).toBe(204);
    expect(changed.status).toBe(204);
    expect(after).toMatchObject({ name: '陈肆', contactMasked: `${next.slice(3, 6)}****${next.slice(-4)}` });
  });
});

describe('POST /v1/verify miss budget', () => {
  it('answers 429 after 10 misses on one certificate from several sources, the same body for every certificate', async () => {
    // Prepare
    const record = certificateRecord();
    sent.push(record.idNumber);
    await upsertCertificate(record, await getSecret('idHashKey'));
    const verify = (from: string, certId: string, idNumber: string) =>
      fetchFrom(from, `${stack.apiUrl}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ certId, holderName: record.holderName, idNumber }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await verify(`127.0.3.${i + 1}`, record.certId, residentId())).status);
    const unknownCert = `ZX${Date.now()}`;
    for (let i = 0; i < 10; i++) await verify(`127.0.4.${i + 1}`, unknownCert, residentId());

    // Act
    const exhausted = await verify('127.0.3.99', record.certId, record.idNumber);
    const exhaustedUnknown = await verify('127.0.4.99', unknownCert, record.idNumber);

    // Assess: even the right inputs wait out the hour; existing and unknown certificates answer alike.
    expect(statuses).toEqual(Array(10).fill(404));
    expect(exhausted.status).toBe(429);
    expect(await exhausted.json()).toEqual(await exhaustedUnknown.json());
    expect(Number(exhausted.headers.get('retry-after'))).toBeGreaterThan(3000);
  });
});
