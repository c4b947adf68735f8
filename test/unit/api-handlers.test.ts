import { hkdfSync } from 'node:crypto';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSource } from '../../shared/auth/identity-hash';
import { hashPassword, verifyPassword } from '../../shared/auth/password';
import { ENV } from '../../shared/config/env';
import { isChangeStamp, STAMP_ATTRIBUTE } from '../../shared/domain/audit';
import type { Contact } from '../../shared/domain/contact-point';
import { idHash } from '../../shared/domain/id-hash';
import { codeDigest, type CodeDestination, type CodePurpose } from '../../shared/domain/one-time-code';
import { CURRENT_NOTICE, EMPTY_CERTIFICATE_LIST_HINT } from '../../shared/domain/notice';
import { openApiDocument } from '../../shared/http/openapi';
import { ROUTE } from '../../shared/resources/routes';
import { keys, TABLE } from '../../shared/resources/table';
import { MAX_ACCOUNT_CHANGE_ATTEMPTS } from '../../shared/services/holder-accounts';
import { handler as accountContact } from '../../functions/api/account-contact';
import { handler as accountGet } from '../../functions/api/account-get';
import { handler as accountName } from '../../functions/api/account-name';
import { handler as accountsCreate } from '../../functions/api/accounts-create';
import { handler as annotationDownload } from '../../functions/api/annotation-download';
import { handler as annotationGet } from '../../functions/api/annotation-get';
import { handler as annotationsCreate } from '../../functions/api/annotations-create';
import { handler as annotationsList } from '../../functions/api/annotations-list';
import { handler as certificateFile } from '../../functions/api/certificate-file';
import { handler as certificateGet } from '../../functions/api/certificate-get';
import { handler as certificatesList } from '../../functions/api/certificates-list';
import { handler as health } from '../../functions/api/health';
import { handler as notFound } from '../../functions/api/not-found';
import { handler as noticeAccept } from '../../functions/api/notice-accept';
import { handler as noticeGet } from '../../functions/api/notice-get';
import { handler as openapi } from '../../functions/api/openapi';
import { handler as passwordChange } from '../../functions/api/password-change';
import { handler as passwordReset } from '../../functions/api/password-reset';
import { handler as sessionsCreate } from '../../functions/api/sessions-create';
import { handler as verificationCodesCreate } from '../../functions/api/verification-codes-create';
import { handler as verifyCode } from '../../functions/api/verify-code';
import { handler as verifyDocument } from '../../functions/api/verify-document';
import { handler as verifyHolder } from '../../functions/api/verify-holder';
import {
  annotation,
  annotationItem,
  certificate,
  certificateItem,
  holder as holderFactory,
  httpEvent,
  PASSWORD,
  quotaAttributes,
  readyAnnotation,
  residentId,
  verificationItem,
  verificationRecord,
} from '../support/factories';
import {
  ddbMock,
  ID_HASH_KEY,
  invoke,
  setUpHandlerEnvironment,
  storedHolder,
  TABLE_NAME,
  tearDownHandlerEnvironment,
  tokenFor,
} from '../support/handler-harness';

/**
 * Every HTTP function on sample payload-v2 events, with DynamoDB mocked: what the handler answers (status, headers,
 * body — each answer also checked against the OpenAPI document by `invoke`) and what it asked of the table. The
 * integration tests run the same handlers against the real emulators.
 */
/** E-mail goes through SES v2 (shared/messaging/send.ts): mocked, so a test can read the code a holder would get. */
const sesMock = mockClient(SESv2Client);

beforeAll(async () => {
  await setUpHandlerEnvironment();
  process.env[ENV.emailFrom] = 'ecert-unit <no-reply@ecert.example>';
});
afterAll(async () => {
  sesMock.restore();
  delete process.env[ENV.emailFrom];
  await tearDownHandlerEnvironment();
});
beforeEach(() => {
  ddbMock.reset();
  sesMock.reset();
  // What DynamoDB answers for an item that does not exist; tests add the items they need.
  ddbMock.on(GetCommand).resolves({});
});
afterEach(() => {
  vi.useRealTimers();
});

const conditionFailed = () => Object.assign(new Error('failed'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });

const SOURCE_IP = '198.51.100.7'; // httpEvent's requestContext.http.sourceIp

/** Today's scrypt hash of PASSWORD, computed once (scrypt is slow on purpose). */
let passwordHashOnce: Promise<string> | undefined;
const passwordHash = () => (passwordHashOnce ??= hashPassword(PASSWORD));

/** A holder registered under `idNumber` (identity item → profile) whose password is PASSWORD, with a verified contact if given. */
async function registered(idNumber: string, options: { contact?: Contact; tokenVersion?: number; noticeAccepted?: boolean } = {}) {
  const hash = idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber);
  const holder = storedHolder(holderFactory({ idHash: hash, passwordHash: await passwordHash(), tokenVersion: options.tokenVersion ?? 0 }), {
    noticeAccepted: options.noticeAccepted ?? true,
  });
  ddbMock.on(GetCommand, { Key: keys.identity('RESIDENT_ID', hash) }).resolves({ Item: { holderId: holder.holderId } });
  if (options.contact) withVerifiedContact(holder, options.contact);
  return { holder, idHash: hash, token: await tokenFor(holder) };
}

/** The profile item as it is once a code proved the contact (shared/repository/holder-contacts.ts). */
function withVerifiedContact(holder: ReturnType<typeof storedHolder>, contact: Contact) {
  ddbMock.on(GetCommand, { Key: keys.holder(holder.holderId) }).resolves({
    Item: { ...keys.holder(holder.holderId), ...holder, contactChannel: contact.channel, contactAddress: contact.address, contactVerifiedAt: holder.createdAt },
  });
}

/**
 * The key code digests are made with. shared/services/one-time-codes.ts derives it from the identity-hash key
 * (HKDF-SHA-256, info `one-time-code`); derived the same way here, a stored code below is one the service would accept.
 */
const CODE_DIGEST_KEY = Buffer.from(hkdfSync('sha256', ID_HASH_KEY, 'ecert', 'one-time-code', 32)).toString('hex');

/**
 * A live one-time code `code` for (purpose, identity) as putCode stores it — only its keyed digest — sent to `sentTo`.
 * DynamoDB answers the conditional try (reserveCodeTry, an UpdateItem returning ALL_NEW) with it.
 */
function liveCode(purpose: CodePurpose, hash: string, code: string, sentTo?: { destination: CodeDestination; contact: Contact }) {
  const scope = { purpose, idType: 'RESIDENT_ID' as const, idHash: hash };
  const item = {
    ...keys.oneTimeCode(purpose, 'RESIDENT_ID', hash),
    kind: 'VERIFICATION',
    ...scope,
    digest: codeDigest(CODE_DIGEST_KEY, scope, code),
    expiresAt: Date.now() + 600_000,
    tries: 1,
    createdAt: new Date().toISOString(),
    ...(sentTo ? { destination: sentTo.destination, contactChannel: sentTo.contact.channel, contactAddress: sentTo.contact.address } : {}),
  };
  ddbMock.on(UpdateCommand, { Key: keys.oneTimeCode(purpose, 'RESIDENT_ID', hash) }).resolves({ Attributes: item });
  return item;
}

const updatesOf = (pk: string) => ddbMock.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key!.pk === pk);
/** The change stamp a write of the account item carries: its audit event, once the table's stream delivers it. */
const stampIn = (values: Record<string, unknown> | undefined) => Object.values(values ?? {}).find(isChangeStamp);
const transactItems = () => ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
/** The per-(identity, source) password-attempt record of httpEvent's source (its address hashed, never stored). */
const loginSourceKey = async (hash: string, ip = SOURCE_IP) => keys.loginSource('RESIDENT_ID', hash, await hashSource(ip));
/** The per-identity failure window (attack detection) of shared/services/password-guard.ts. */
const identityFailures = (hash: string) => keys.windowCounter('password-failures', `RESIDENT_ID#${hash}`).pk;

/** A holder who owns `cert`, stored and logged in. */
async function owner(cert = certificate(), options: { noticeAccepted?: boolean } = {}) {
  const holder = storedHolder(holderFactory({}, { cert, idHashKey: ID_HASH_KEY }), options);
  ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });
  return { holder, cert, token: await tokenFor(holder) };
}

describe('GET /v1/health', () => {
  it('answers ok', async () => {
    // Act
    const answer = await invoke(health, httpEvent(ROUTE.health));

    // Assess
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(answer.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /openapi.json', () => {
  it('serves the document the code generates', async () => {
    const answer = await invoke(openapi, httpEvent(ROUTE.openapi));
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});

describe('POST /v1/verification-codes', () => {
  it('answers a registered and an unknown identity alike (202), storing a code for both and sending only to the account’s contact', async () => {
    // Prepare: one clock reading for both requests, so the answers can be compared whole
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-22T07:04:02.000Z'));
    const contact: Contact = { channel: 'EMAIL', address: 'lin.ji@example.com' };
    const known = residentId();
    const unknown = residentId();
    const { idHash: knownHash } = await registered(known, { contact });
    // Neither identity has a contact on record (no certificate items under its identity index key).
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(PutCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'unit-message' });

    // Act
    const request = (idNumber: string) => httpEvent(ROUTE.verificationCodesCreate, { json: { purpose: 'RESET_PASSWORD', idType: 'RESIDENT_ID', idNumber } });
    const forKnown = await invoke(verificationCodesCreate, request(known));
    const forUnknown = await invoke(verificationCodesCreate, request(unknown));

    // Assess: the same answer, naming nothing
    expect(forKnown).toMatchObject({ status: 202, body: { expiresAt: '2026-11-22T07:14:02.000Z' } });
    expect(forUnknown.status).toBe(forKnown.status);
    expect(forUnknown.body).toEqual(forKnown.body);
    expect(forUnknown.headers).toEqual(forKnown.headers);
    expect(JSON.stringify(forKnown.body)).not.toContain(contact.address);
    // A code is stored for each (only its digest); the known one's went to the account's contact, the other nowhere
    const stored = ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item!);
    expect(stored.map((item) => item.pk)).toEqual([
      keys.oneTimeCode('RESET_PASSWORD', 'RESIDENT_ID', knownHash).pk,
      keys.oneTimeCode('RESET_PASSWORD', 'RESIDENT_ID', idHash(ID_HASH_KEY, 'RESIDENT_ID', unknown)).pk,
    ]);
    expect(stored[0]).toMatchObject({ destination: 'ACCOUNT', contactAddress: contact.address, tries: 0 });
    expect(stored[1]!.destination).toBeUndefined();
    const sent = sesMock.commandCalls(SendEmailCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input.Destination!.ToAddresses).toEqual([contact.address]);
    const code = /验证码 (\d{6})/.exec(sent[0]!.args[0].input.Content!.Simple!.Body!.Text!.Data!)![1]!;
    expect(stored[0]!.digest).toBe(codeDigest(CODE_DIGEST_KEY, { purpose: 'RESET_PASSWORD', idType: 'RESIDENT_ID', idHash: knownHash }, code));
    expect(JSON.stringify(stored)).not.toContain(code);
  });
});

describe('POST /v1/accounts', () => {
  it('creates the identity, the profile with the contact the code proved and its audit stamp, uses the code up — in one transaction', async () => {
    // Prepare
    const idNumber = residentId('19880315');
    const hash = idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber);
    const contact: Contact = { channel: 'SMS', address: '+8613812345678' };
    const code = liveCode('REGISTER', hash, '482913', { destination: 'GIVEN', contact });
    ddbMock.on(TransactWriteCommand).resolves({});

    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: ' 林𠮷 ', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: '482 913' } }),
    );

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.headers.location).toBe(`/v1/accounts/${answer.body.holderId}`);
    expect(Object.keys(answer.body)).toEqual(['holderId']);
    const [items] = transactItems();
    const [identity, profile, use, ...rest] = items!;
    expect(rest).toEqual([]);
    expect(identity!.Put!).toMatchObject({ Item: { ...keys.identity('RESIDENT_ID', hash), holderId: answer.body.holderId }, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(profile!.Put!.Item).toMatchObject({
      ...keys.holder(answer.body.holderId),
      name: '林𠮷',
      idNumberMasked: expect.stringContaining('*'),
      tokenVersion: 0,
      contactChannel: 'SMS',
      contactAddress: contact.address,
    });
    expect(await verifyPassword(PASSWORD, profile!.Put!.Item!.passwordHash as string)).toBe(true);
    expect(use!.Delete).toMatchObject({ Key: keys.oneTimeCode('REGISTER', 'RESIDENT_ID', hash), ExpressionAttributeValues: { ':digest': code.digest } });
    const stamp = profile!.Put!.Item![STAMP_ATTRIBUTE];
    expect(stamp).toMatchObject({
      action: 'account.register',
      actor: { kind: 'holder', id: answer.body.holderId },
      source: { ip: SOURCE_IP, via: 'api' },
      details: { contactVerified: true, code: 'VERIFICATION' },
    });
    const written = JSON.stringify(items);
    for (const secret of [idNumber, PASSWORD, '482913']) expect(written).not.toContain(secret);
    expect(JSON.stringify(stamp)).not.toContain(contact.address);
  });

  it('answers a wrong code 422 CODE_INVALID after counting the try, before looking the identity up', async () => {
    // Prepare
    const idNumber = residentId();
    const hash = idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber);
    liveCode('REGISTER', hash, '482913', { destination: 'GIVEN', contact: { channel: 'SMS', address: '+8613812345678' } });

    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: '张三', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: '482914' } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 422, body: { code: 'CODE_INVALID' } });
    expect(updatesOf(keys.oneTimeCode('REGISTER', 'RESIDENT_ID', hash).pk)[0]!.args[0].input.ConditionExpression).toContain('tries < :max');
    expect(ddbMock.commandCalls(GetCommand, { Key: keys.identity('RESIDENT_ID', hash) })).toHaveLength(0);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 409 ALREADY_REGISTERED when the code reached a contact that is not the account’s, and uses the code up', async () => {
    // Prepare: the account's verified contact is another one than the code went to
    const idNumber = residentId();
    const { idHash: hash } = await registered(idNumber, { contact: { channel: 'EMAIL', address: 'owner@example.com' } });
    const code = liveCode('REGISTER', hash, '731204', { destination: 'GIVEN', contact: { channel: 'EMAIL', address: 'someone@example.net' } });
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: '张三', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: '731204' } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 409, body: { code: 'ALREADY_REGISTERED', passwordResetPath: '/forgot-password' } });
    expect(ddbMock.commandCalls(DeleteCommand)[0]!.args[0].input).toMatchObject({
      Key: keys.oneTimeCode('REGISTER', 'RESIDENT_ID', hash),
      ExpressionAttributeValues: { ':digest': code.digest },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(JSON.stringify(answer.body)).not.toMatch(/owner@|someone@/);
  });

  it('answers 409 ALREADY_REGISTERED when another registration of the identity wins the race (identity item exists)', async () => {
    const idNumber = residentId();
    liveCode('REGISTER', idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber), '482913', { destination: 'GIVEN', contact: { channel: 'SMS', address: '+8613812345678' } });
    ddbMock.on(TransactWriteCommand).rejects(conditionFailed());
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: '张三', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: '482913' } }),
    );
    expect(answer).toMatchObject({ status: 409, body: { code: 'ALREADY_REGISTERED' } });
  });

  it('names every wrong field at once, without echoing a value (422)', async () => {
    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, {
        json: { name: 'A'.repeat(51), idType: 'RESIDENT_ID', idNumber: '110105198803151233', password: 'letters', code: '482913' },
      }),
    );

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['idNumber', 'name', 'password']);
    expect(JSON.stringify(answer.body)).not.toContain('110105198803151233');
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('POST /v1/accounts/password-reset', () => {
  it('sets the new password, ends every session, uses the code up and forgets the identity’s failures (204)', async () => {
    // Prepare
    const idNumber = residentId();
    const contact: Contact = { channel: 'EMAIL', address: 'lin.ji@example.com' };
    const { holder, idHash: hash } = await registered(idNumber, { contact, tokenVersion: 2 });
    const code = liveCode('RESET_PASSWORD', hash, '905512', { destination: 'ACCOUNT', contact });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(UpdateCommand, { Key: keys.windowCounter('password-failures', `RESIDENT_ID#${hash}`) }).resolves({});

    // Act
    const answer = await invoke(
      passwordReset,
      httpEvent(ROUTE.passwordReset, { json: { idType: 'RESIDENT_ID', idNumber, code: '905512', newPassword: 'Another-pass-22' } }),
    );

    // Assess
    expect(answer).toEqual({ status: 204, headers: expect.any(Object), body: undefined });
    const [[update, use, ...rest]] = transactItems() as [NonNullable<ReturnType<typeof transactItems>[number]>];
    expect(rest).toEqual([]);
    expect(update!.Update).toMatchObject({ Key: keys.holder(holder.holderId), ExpressionAttributeValues: { ':seen': 2, ':one': 1 } });
    expect(update!.Update!.UpdateExpression).toContain('tokenVersion = tokenVersion + :one');
    expect(await verifyPassword('Another-pass-22', update!.Update!.ExpressionAttributeValues![':hash'] as string)).toBe(true);
    expect(use!.Delete).toMatchObject({ Key: keys.oneTimeCode('RESET_PASSWORD', 'RESIDENT_ID', hash), ExpressionAttributeValues: { ':digest': code.digest } });
    expect(stampIn(update!.Update!.ExpressionAttributeValues)).toMatchObject({ action: 'account.password-reset', actor: { kind: 'holder', id: holder.holderId } });
    expect(ddbMock.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':pk': keys.loginSource('RESIDENT_ID', hash, '').pk });
    expect(updatesOf(identityFailures(hash))[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':zero': 0 });
  });

  it('reads again and decides again when another change of the account lands between its read and its write (204, never 401)', async () => {
    // Prepare: the first transaction finds the token version moved on (a concurrent change), the second goes through
    const idNumber = residentId();
    const contact: Contact = { channel: 'EMAIL', address: 'lin.ji@example.com' };
    const { holder, idHash: hash } = await registered(idNumber, { contact, tokenVersion: 2 });
    liveCode('RESET_PASSWORD', hash, '905512', { destination: 'ACCOUNT', contact });
    ddbMock.on(TransactWriteCommand).rejectsOnce(conditionFailed()).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(UpdateCommand, { Key: keys.windowCounter('password-failures', `RESIDENT_ID#${hash}`) }).resolves({});

    // Act
    const answer = await invoke(
      passwordReset,
      httpEvent(ROUTE.passwordReset, { json: { idType: 'RESIDENT_ID', idNumber, code: '905512', newPassword: 'Another-pass-22' } }),
    );

    // Assess: the code was tried once; the account was read again, strongly consistent, before the second write
    expect(answer.status).toBe(204);
    expect(updatesOf(keys.oneTimeCode('RESET_PASSWORD', 'RESIDENT_ID', hash).pk)).toHaveLength(1);
    expect(transactItems()).toHaveLength(2);
    const profileReads = ddbMock.commandCalls(GetCommand, { Key: keys.holder(holder.holderId) }).map((call) => call.args[0].input.ConsistentRead);
    expect(profileReads).toEqual([undefined, true]);
  });

  it('answers 503 with Retry-After, not 401, when every attempt loses the race', async () => {
    const idNumber = residentId();
    const { idHash: hash } = await registered(idNumber);
    liveCode('RESET_PASSWORD', hash, '905512', { destination: 'RECORD', contact: { channel: 'SMS', address: '+8613812345678' } });
    ddbMock.on(TransactWriteCommand).rejects(conditionFailed());
    const answer = await invoke(
      passwordReset,
      httpEvent(ROUTE.passwordReset, { json: { idType: 'RESIDENT_ID', idNumber, code: '905512', newPassword: 'Another-pass-22' } }),
    );
    expect(answer).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' }, headers: { 'retry-after': '1' } });
    expect(transactItems()).toHaveLength(MAX_ACCOUNT_CHANGE_ATTEMPTS);
  });

  it('answers a wrong code 422 CODE_INVALID, and a right code for an identity without an account exactly alike', async () => {
    // Prepare
    const idNumber = residentId();
    const { idHash: hash } = await registered(idNumber);
    liveCode('RESET_PASSWORD', hash, '905512', { destination: 'RECORD', contact: { channel: 'SMS', address: '+8613812345678' } });
    const noAccount = residentId();
    liveCode('RESET_PASSWORD', idHash(ID_HASH_KEY, 'RESIDENT_ID', noAccount), '905512', { destination: 'RECORD', contact: { channel: 'SMS', address: '+8613812345678' } });
    const reset = (id: string, code: string) =>
      invoke(passwordReset, httpEvent(ROUTE.passwordReset, { json: { idType: 'RESIDENT_ID', idNumber: id, code, newPassword: 'Another-pass-22' } }));

    // Act
    const wrong = await reset(idNumber, '905513');
    const nothingToReset = await reset(noAccount, '905512');

    // Assess
    expect(wrong).toMatchObject({ status: 422, body: { code: 'CODE_INVALID' } });
    expect(nothingToReset.body).toEqual(wrong.body);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('POST /v1/sessions', () => {
  it('issues a token for the right password and forgets the source’s claimed try', async () => {
    // Prepare
    const idNumber = residentId();
    const { holder, idHash: hash } = await registered(idNumber, { noticeAccepted: false });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    const answer = await invoke(sessionsCreate, httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber, password: PASSWORD } }));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ holderId: holder.holderId, holderName: holder.name, noticeAccepted: false });
    expect(answer.body.token.split('.')).toHaveLength(3);
    const source = await loginSourceKey(hash);
    expect(source.sk).not.toContain(SOURCE_IP);
    // The try was claimed (as a failure) before the check, then forgotten on the condition it is still that try
    const claims = ddbMock.commandCalls(UpdateCommand);
    expect(claims.map((call) => call.args[0].input.Key)).toEqual([source]);
    expect(claims[0]!.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(ddbMock.commandCalls(DeleteCommand)[0]!.args[0].input).toMatchObject({ Key: source, ExpressionAttributeValues: { ':claimed': 1 } });
    expect(updatesOf(identityFailures(hash))).toHaveLength(0);
  });

  it('answers an unknown identity 401 INVALID_CREDENTIALS and counts the failure for the source and for the identity', async () => {
    // Prepare
    const idNumber = residentId();
    const hash = idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber);
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    const answer = await invoke(sessionsCreate, httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber, password: 'Wrong-pass-1' } }));

    // Assess
    // Every 401 names the scheme to authenticate with (RFC 9110 §15.5.2), a wrong password too.
    expect(answer).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' }, headers: { 'www-authenticate': 'Bearer realm="ecert"' } });
    expect(ddbMock.commandCalls(UpdateCommand, { Key: await loginSourceKey(hash) })).toHaveLength(1);
    expect(updatesOf(identityFailures(hash))).toHaveLength(1);
    expect(ddbMock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('makes a failing source wait (429 with Retry-After, no password checked) while another source gets in', async () => {
    // Prepare: this source failed 8 times and must wait 10 minutes
    const idNumber = residentId();
    const { holder, idHash: hash } = await registered(idNumber);
    const now = Date.now();
    ddbMock.on(GetCommand, { Key: await loginSourceKey(hash) }).resolves({ Item: { failures: 8, notBefore: now + 600_000, lastAt: now } });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});
    const login = () => httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber, password: PASSWORD } });

    // Act
    const waiting = await invoke(sessionsCreate, login());
    const triesBefore = ddbMock.commandCalls(UpdateCommand).length;
    const fromElsewhere = login();
    fromElsewhere.requestContext.http.sourceIp = '203.0.113.9';
    const other = await invoke(sessionsCreate, fromElsewhere);

    // Assess
    expect(waiting).toMatchObject({ status: 429, body: { code: 'TOO_MANY_ATTEMPTS' } });
    expect(waiting.body.retryAfterSeconds).toBeGreaterThan(590);
    expect(Number(waiting.headers['retry-after'])).toBe(waiting.body.retryAfterSeconds);
    expect(triesBefore).toBe(0);
    expect(other).toMatchObject({ status: 200, body: { holderId: holder.holderId } });
  });
});

describe('PUT /v1/accounts/me/password', () => {
  it('replaces the hash and bumps the token version on the version the caller authenticated with', async () => {
    // Prepare
    const { holder, idHash: hash, token } = await registered(residentId(), { tokenVersion: 3 });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    const answer = await invoke(
      passwordChange,
      httpEvent(ROUTE.passwordChange, { token, json: { currentPassword: PASSWORD, newPassword: 'Another-pass-22' } }),
    );

    // Assess
    expect(answer).toEqual({ status: 204, headers: expect.any(Object), body: undefined });
    const [change] = updatesOf(keys.holder(holder.holderId).pk);
    expect(change!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':expected': 3,
      ':stamp': { action: 'account.password-change', actor: { kind: 'holder', id: holder.holderId }, source: { ip: SOURCE_IP, via: 'api' } },
    });
    expect(await verifyPassword('Another-pass-22', change!.args[0].input.ExpressionAttributeValues![':h'] as string)).toBe(true);
    // The current password was checked as a counted attempt of this source, forgotten because it was right
    expect(ddbMock.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(await loginSourceKey(hash));
  });

  it('answers a wrong current password 401 INVALID_CREDENTIALS, counts it like a login failure and changes nothing', async () => {
    const { holder, idHash: hash, token } = await registered(residentId());
    ddbMock.on(UpdateCommand).resolves({});
    const answer = await invoke(
      passwordChange,
      httpEvent(ROUTE.passwordChange, { token, json: { currentPassword: 'Not-it-123', newPassword: 'Another-pass-22' } }),
    );
    expect(answer).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(updatesOf(keys.holder(holder.holderId).pk)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand, { Key: await loginSourceKey(hash) })).toHaveLength(1);
    expect(updatesOf(identityFailures(hash))).toHaveLength(1);
  });
});

describe('GET /v1/accounts/me', () => {
  it('shows the holder’s account with the ID number and the contact masked', async () => {
    // Prepare
    const idNumber = residentId();
    const contact: Contact = { channel: 'SMS', address: '+8613812345678' };
    const { holder, token } = await registered(idNumber, { contact });

    // Act
    const answer = await invoke(accountGet, httpEvent(ROUTE.accountGet, { token }));

    // Assess
    expect(answer).toMatchObject({
      status: 200,
      body: { holderId: holder.holderId, name: holder.name, idNumberMasked: holder.idNumberMasked, contactMasked: '138****5678', contactChannel: 'SMS' },
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/13812345678|passwordHash|idHash/);
    expect(JSON.stringify(answer.body)).not.toContain(idNumber);
  });
});

describe('PUT /v1/accounts/me/name', () => {
  it('corrects the name on the version the caller authenticated with, stamping the change for the audit trail (204)', async () => {
    // Prepare
    const { holder, token } = await registered(residentId(), { tokenVersion: 1 });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    const answer = await invoke(accountName, httpEvent(ROUTE.accountName, { token, json: { name: ' 欧阳𠮷 ', password: PASSWORD } }));

    // Assess
    expect(answer.status).toBe(204);
    const [rename] = updatesOf(keys.holder(holder.holderId).pk).map((call) => call.args[0].input);
    expect(rename).toMatchObject({ Key: keys.holder(holder.holderId), ExpressionAttributeValues: { ':name': '欧阳𠮷', ':seen': 1 } });
    expect(stampIn(rename!.ExpressionAttributeValues)).toMatchObject({ action: 'account.name-change', actor: { kind: 'holder', id: holder.holderId } });
  });

  it('answers a wrong password 401 INVALID_CREDENTIALS, counted like a login failure, and renames nothing', async () => {
    const { holder, idHash: hash, token } = await registered(residentId());
    ddbMock.on(UpdateCommand).resolves({});
    const answer = await invoke(accountName, httpEvent(ROUTE.accountName, { token, json: { name: '欧阳𠮷', password: 'Not-it-123' } }));
    expect(answer).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(updatesOf(keys.holder(holder.holderId).pk)).toHaveLength(0);
    expect(updatesOf(identityFailures(hash))).toHaveLength(1);
  });
});

describe('PUT /v1/accounts/me/contact', () => {
  const newContact: Contact = { channel: 'SMS', address: '+8613912345678' };

  it('records the new contact with the code that reached it, using the code up (204)', async () => {
    // Prepare
    const { holder, idHash: hash, token } = await registered(residentId(), { contact: { channel: 'EMAIL', address: 'old@example.com' } });
    const code = liveCode('CHANGE_CONTACT', hash, '660127', { destination: 'GIVEN', contact: newContact });
    ddbMock.on(TransactWriteCommand).resolves({});

    // Act
    const answer = await invoke(accountContact, httpEvent(ROUTE.accountContact, { token, json: { contact: '139-1234-5678', code: '660127' } }));

    // Assess
    expect(answer.status).toBe(204);
    const [[change, use, ...rest]] = transactItems() as [NonNullable<ReturnType<typeof transactItems>[number]>];
    expect(rest).toEqual([]);
    expect(change!.Update!.Key).toEqual(keys.holder(holder.holderId));
    expect(Object.values(change!.Update!.ExpressionAttributeValues!)).toEqual(expect.arrayContaining(['SMS', newContact.address]));
    expect(use!.Delete).toMatchObject({ Key: keys.oneTimeCode('CHANGE_CONTACT', 'RESIDENT_ID', hash), ExpressionAttributeValues: { ':digest': code.digest } });
    const stamp = stampIn(change!.Update!.ExpressionAttributeValues);
    expect(stamp).toMatchObject({ action: 'account.contact-change', details: { channel: 'SMS' } });
    expect(JSON.stringify(stamp)).not.toContain(newContact.address);
  });

  it('answers 422 CODE_INVALID for a right code that was sent to another contact than the one given, changing nothing', async () => {
    // Prepare
    const { idHash: hash, token } = await registered(residentId());
    liveCode('CHANGE_CONTACT', hash, '660127', { destination: 'GIVEN', contact: { channel: 'EMAIL', address: 'other@example.com' } });

    // Act
    const answer = await invoke(accountContact, httpEvent(ROUTE.accountContact, { token, json: { contact: '13912345678', code: '660127' } }));

    // Assess
    expect(answer).toMatchObject({ status: 422, body: { code: 'CODE_INVALID' } });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(JSON.stringify(answer.body)).not.toMatch(/13912345678|other@/);
  });
});

describe('GET /v1/notice and POST /v1/notice/acceptance', () => {
  it('serves the current notice without a token', async () => {
    expect(await invoke(noticeGet, httpEvent(ROUTE.noticeGet))).toMatchObject({ status: 200, body: CURRENT_NOTICE });
  });

  it('records the current version for a holder who has not accepted it yet', async () => {
    // Prepare
    const holder = storedHolder(holderFactory(), { noticeAccepted: false });
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    const answer = await invoke(noticeAccept, httpEvent(ROUTE.noticeAccept, { token: await tokenFor(holder), json: { version: CURRENT_NOTICE.version } }));

    // Assess
    expect(answer.status).toBe(204);
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: keys.holder(holder.holderId),
      ExpressionAttributeValues: {
        ':v': CURRENT_NOTICE.version,
        ':stamp': { action: 'account.notice-accept', actor: { kind: 'holder', id: holder.holderId }, source: { ip: SOURCE_IP }, details: { version: CURRENT_NOTICE.version } },
      },
    });
  });

  it('refuses an older version with 409 NOTICE_VERSION_OUTDATED naming the current one', async () => {
    const holder = storedHolder(holderFactory(), { noticeAccepted: false });
    const answer = await invoke(noticeAccept, httpEvent(ROUTE.noticeAccept, { token: await tokenFor(holder), json: { version: '2000-01-01' } }));
    expect(answer).toMatchObject({ status: 409, body: { code: 'NOTICE_VERSION_OUTDATED', currentVersion: CURRENT_NOTICE.version } });
  });
});

describe('GET /v1/certificates', () => {
  it('lists the holder’s certificates found through the identity index', async () => {
    // Prepare
    const { cert, token } = await owner();
    ddbMock.on(QueryCommand).resolves({ Items: [keys.certificate(cert.certId)] });
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [certificateItem(cert, ID_HASH_KEY)] } });

    // Act
    const answer = await invoke(certificatesList, httpEvent(ROUTE.certificatesList, { token }));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((c: { certId: string }) => c.certId)).toEqual([cert.certId]);
    expect(answer.body.hint).toBeUndefined();
    expect(ddbMock.commandCalls(QueryCommand)[0]!.args[0].input.IndexName).toBe(TABLE.indexes.byHolderIdentity.name);
  });

  it('answers an empty list with the R10 hint', async () => {
    const { token } = await owner();
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    expect((await invoke(certificatesList, httpEvent(ROUTE.certificatesList, { token }))).body).toEqual({ items: [], hint: EMPTY_CERTIFICATE_LIST_HINT });
  });

  it('answers 403 NOTICE_NOT_ACCEPTED before reading any certificate (R8)', async () => {
    const { token } = await owner(certificate(), { noticeAccepted: false });
    const answer = await invoke(certificatesList, httpEvent(ROUTE.certificatesList, { token }));
    expect(answer).toMatchObject({ status: 403, body: { code: 'NOTICE_NOT_ACCEPTED', noticeVersion: CURRENT_NOTICE.version } });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 401 UNAUTHENTICATED with the Bearer challenge without a token', async () => {
    const answer = await invoke(certificatesList, httpEvent(ROUTE.certificatesList));
    expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' }, headers: { 'www-authenticate': 'Bearer realm="ecert"' } });
  });
});

describe('GET /v1/certificates/{certId}', () => {
  it('shows the holder’s own certificate with the ID number masked', async () => {
    // Prepare
    const { cert, token } = await owner();

    // Act
    const answer = await invoke(certificateGet, httpEvent(ROUTE.certificateGet, { token, pathParameters: { certId: cert.certId } }));

    // Assess
    expect(answer.body).toMatchObject({ certId: cert.certId, holderName: cert.holderName, annotationRequired: true, hasElectronicFile: false });
    expect(JSON.stringify(answer.body)).not.toContain(cert.idNumber);
  });

  it('answers a malformed certId 404 like a missing one, without looking it up', async () => {
    // Prepare
    const { token } = await owner();

    // Act
    const malformed = await invoke(certificateGet, httpEvent(ROUTE.certificateGet, { token, pathParameters: { certId: '../etc' } }));
    const missing = await invoke(certificateGet, httpEvent(ROUTE.certificateGet, { token, pathParameters: { certId: 'ZZ-MISSING-1' } }));

    // Assess
    expect(malformed).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(malformed.body).toEqual(missing.body);
    const certificateReads = ddbMock.commandCalls(GetCommand).filter((call) => String(call.args[0].input.Key!.pk).startsWith('CERT#'));
    expect(certificateReads.map((call) => call.args[0].input.Key!.pk)).toEqual(['CERT#ZZ-MISSING-1']);
  });

  it('answers someone else’s certificate 404 (its index key names another identity)', async () => {
    const cert = certificate();
    const { token } = await owner(certificate());
    ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });
    const answer = await invoke(certificateGet, httpEvent(ROUTE.certificateGet, { token, pathParameters: { certId: cert.certId } }));
    expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('GET /v1/certificates/{certId}/file', () => {
  const legacy = () =>
    certificate({ issuedAt: '2019-03-01', approvalDate: '2019-01-05', electronicFile: { key: 'files/x/abc.pdf', sha256: 'abc', size: 10 } });

  it('gives a presigned link of at most 300 s to the electronic file', async () => {
    // Prepare
    const { cert, token } = await owner(legacy());

    // Act
    const answer = await invoke(certificateFile, httpEvent(ROUTE.certificateFile, { token, pathParameters: { certId: cert.certId }, query: { disposition: 'inline' } }));

    // Assess
    expect(answer.status).toBe(200);
    const url = new URL(answer.body.url);
    expect(url.pathname).toContain('files/x/abc.pdf');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('response-content-disposition')).toMatch(/^inline; /);
    expect(answer.body.filename).toBe(`经济专业技术资格-${cert.certId}-证书电子文件.pdf`);
  });

  it('answers 409 CERTIFICATE_REVOKED for a revoked certificate (R3)', async () => {
    const { cert, token } = await owner({ ...legacy(), status: 'REVOKED', revokedAt: '2024-05-01T00:00:00.000Z' });
    const answer = await invoke(certificateFile, httpEvent(ROUTE.certificateFile, { token, pathParameters: { certId: cert.certId } }));
    expect(answer).toMatchObject({ status: 409, body: { code: 'CERTIFICATE_REVOKED' } });
  });

  it('answers 422 VALIDATION_FAILED for an unknown disposition', async () => {
    const { cert, token } = await owner(legacy());
    const answer = await invoke(certificateFile, httpEvent(ROUTE.certificateFile, { token, pathParameters: { certId: cert.certId }, query: { disposition: 'download' } }));
    expect(answer).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', errors: [{ path: 'disposition' }] } });
  });
});

describe('POST /v1/certificates/{certId}/annotations', () => {
  // The apply reads the certificate with its quota in one BatchGetItem (shared/services/annotations-apply.ts).
  async function applicant(cert: ReturnType<typeof certificate>) {
    const found = await owner(cert);
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [certificateItem(cert, ID_HASH_KEY)] } });
    return found;
  }

  it('refuses a revoked certificate with 409 CERTIFICATE_REVOKED before any transaction', async () => {
    // Prepare
    const { cert, token } = await applicant(certificate({ status: 'REVOKED' }));

    // Act
    const answer = await invoke(
      annotationsCreate,
      httpEvent(ROUTE.annotationsCreate, { token, pathParameters: { certId: cert.certId }, json: { scenario: 'SELF_USE', validDays: 30 } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 409, body: { code: 'CERTIFICATE_REVOKED' } });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 422 ANNOTATION_NOT_REQUIRED for a certificate issued before 2021-12-17 (R1)', async () => {
    const { cert, token } = await applicant(certificate({ issuedAt: '2020-06-01', approvalDate: '2020-01-01' }));
    const answer = await invoke(
      annotationsCreate,
      httpEvent(ROUTE.annotationsCreate, { token, pathParameters: { certId: cert.certId }, json: { scenario: 'SELF_USE', validDays: 30 } }),
    );
    expect(answer).toMatchObject({ status: 422, body: { code: 'ANNOTATION_NOT_REQUIRED' } });
  });

  it('answers a malformed Idempotency-Key with 422 naming the header', async () => {
    const { cert, token } = await owner();
    const answer = await invoke(
      annotationsCreate,
      httpEvent(ROUTE.annotationsCreate, {
        token,
        pathParameters: { certId: cert.certId },
        headers: { 'idempotency-key': 'no spaces allowed' },
        json: { scenario: 'SELF_USE', validDays: 30 },
      }),
    );
    expect(answer).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', errors: [{ path: 'idempotency-key' }] } });
  });
});

describe('GET /v1/certificates/{certId}/annotations', () => {
  it('lists the annotations with their derived status and the quota as the portal shows it', async () => {
    // Prepare
    const { cert, token } = await owner();
    const expired = readyAnnotation({ certId: cert.certId, appliedAt: new Date(Date.now() - 40 * 86_400_000).toISOString(), validDays: 10 });
    const pending = annotation({ certId: cert.certId });
    ddbMock.on(QueryCommand).resolves({ Items: [annotationItem(pending), annotationItem(expired)] });
    ddbMock
      .on(GetCommand, { Key: keys.certificate(cert.certId) })
      .resolves({ Item: { ...certificateItem(cert, ID_HASH_KEY), ...quotaAttributes({ [pending.annotationId]: pending.appliedAt, [expired.annotationId]: expired.appliedAt }) } });

    // Act
    const answer = await invoke(annotationsList, httpEvent(ROUTE.annotationsList, { token, pathParameters: { certId: cert.certId } }));

    // Assess
    expect(answer.body.items.map((a: { status: string }) => a.status)).toEqual(['PENDING', 'EXPIRED']);
    expect(answer.body.quota).toEqual({
      limit: 3,
      used: 2,
      windowDays: 90,
      remaining: 1,
      canApply: true,
      nextAvailableAt: null,
      oldestSlotFreesAt: new Date(Date.parse(expired.appliedAt) + 90 * 86_400_000).toISOString(),
    });
  });
});

describe('GET /v1/certificates/{certId}/annotations/{annotationId}', () => {
  it('shows one annotation, read consistently from the certificate’s partition', async () => {
    // Prepare
    const { cert, token } = await owner();
    const ready = readyAnnotation({ certId: cert.certId });
    ddbMock.on(GetCommand, { Key: keys.annotation(cert.certId, ready.annotationId) }).resolves({ Item: annotationItem(ready) });

    // Act
    const answer = await invoke(annotationGet, httpEvent(ROUTE.annotationGet, { token, pathParameters: { certId: cert.certId, annotationId: ready.annotationId } }));

    // Assess
    expect(answer.body).toMatchObject({ annotationId: ready.annotationId, status: 'READY', statusLabel: '有效', verificationCode: ready.verificationCode });
    const read = ddbMock.commandCalls(GetCommand, { Key: keys.annotation(cert.certId, ready.annotationId) });
    expect(read[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('answers an id that is not a ULID 404 with the annotation text, without a lookup', async () => {
    const { cert, token } = await owner();
    const answer = await invoke(annotationGet, httpEvent(ROUTE.annotationGet, { token, pathParameters: { certId: cert.certId, annotationId: 'not-a-ulid' } }));
    expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', detail: '未找到该加注记录' } });
    expect(ddbMock.commandCalls(GetCommand).some((call) => String(call.args[0].input.Key!.sk).startsWith('ANN#'))).toBe(false);
  });
});

describe('GET /v1/certificates/{certId}/annotations/{annotationId}/download', () => {
  it('mints a link that expires no later than the annotation (R6)', async () => {
    // Prepare: 100 s of validity left
    const { cert, token } = await owner();
    const ready = readyAnnotation({ certId: cert.certId, appliedAt: new Date(Date.now() - 86_400_000 + 100_000).toISOString(), validDays: 1 });
    ddbMock.on(GetCommand, { Key: keys.annotation(cert.certId, ready.annotationId) }).resolves({ Item: annotationItem(ready) });

    // Act
    const answer = await invoke(
      annotationDownload,
      httpEvent(ROUTE.annotationDownload, { token, pathParameters: { certId: cert.certId, annotationId: ready.annotationId } }),
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(Number(new URL(answer.body.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(99);
    expect(Date.parse(answer.body.expiresAt)).toBeLessThanOrEqual(Date.parse(ready.validUntil));
    expect(answer.body.filename).toBe(`经济专业技术资格-${cert.certId}-电子证书（加注）.pdf`);
  });

  it('answers a PENDING annotation 409 ANNOTATION_PENDING', async () => {
    const { cert, token } = await owner();
    const pending = annotation({ certId: cert.certId });
    ddbMock.on(GetCommand, { Key: keys.annotation(cert.certId, pending.annotationId) }).resolves({ Item: annotationItem(pending) });
    const answer = await invoke(
      annotationDownload,
      httpEvent(ROUTE.annotationDownload, { token, pathParameters: { certId: cert.certId, annotationId: pending.annotationId } }),
    );
    expect(answer).toMatchObject({ status: 409, body: { code: 'ANNOTATION_PENDING' } });
  });
});

describe('GET /v1/verify/{verificationCode}', () => {
  it('answers the Verification for a known code, masking name and ID number', async () => {
    // Prepare
    const cert = certificate({ holderName: '欧阳𠮷' });
    const ready = readyAnnotation({ certId: cert.certId });
    ddbMock.on(GetCommand, { Key: keys.verification(ready.verificationCode) }).resolves({ Item: verificationItem(verificationRecord(ready)) });
    ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });
    ddbMock.on(GetCommand, { Key: keys.annotation(cert.certId, ready.annotationId) }).resolves({ Item: annotationItem(ready) });

    // Act
    const answer = await invoke(verifyCode, httpEvent(ROUTE.verifyCode, { pathParameters: { verificationCode: ready.verificationCode } }));

    // Assess
    expect(answer).toMatchObject({ status: 200, headers: { vary: 'accept' }, body: { valid: true, certificate: { holderNameMasked: '欧**' } } });
    expect(JSON.stringify(answer.body)).not.toContain(cert.idNumber);
  });

  it('redirects a browser to the portal page, whatever the code', async () => {
    const answer = await invoke(
      verifyCode,
      httpEvent(ROUTE.verifyCode, { pathParameters: { verificationCode: 'not-a-code' }, headers: { accept: 'text/html,*/*;q=0.8' } }),
    );
    expect(answer).toMatchObject({ status: 302, headers: { location: '/verify?code=not-a-code', vary: 'accept, accept-language' } });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('sends a browser that ranks English first to the English page', async () => {
    const answer = await invoke(
      verifyCode,
      httpEvent(ROUTE.verifyCode, {
        pathParameters: { verificationCode: '7K3QF9X2MA0RT5VBC4DE' },
        headers: { accept: 'text/html', 'accept-language': 'en-GB,en;q=0.9,zh-CN;q=0.5' },
      }),
    );
    expect(answer).toMatchObject({ status: 302, headers: { location: '/verify?code=7K3QF9X2MA0RT5VBC4DE&lang=en' } });
  });

  it('answers a malformed code 404 without a lookup', async () => {
    const answer = await invoke(verifyCode, httpEvent(ROUTE.verifyCode, { pathParameters: { verificationCode: 'short' } }));
    expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('POST /v1/verify', () => {
  it('answers a wrong name exactly like an unknown certificate, each counted as a miss of its certificate', async () => {
    // Prepare
    const cert = certificate();
    ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });
    ddbMock.on(UpdateCommand).resolves({});
    const verify = (json: Record<string, string>) => invoke(verifyHolder, httpEvent(ROUTE.verifyHolder, { json }));
    const misses = (certId: string) => updatesOf(keys.windowCounter('verify-miss', certId).pk);
    const refunds = (certId: string) => misses(certId).filter((call) => call.args[0].input.ExpressionAttributeValues![':minus'] === -1);

    // Act
    const wrongName = await verify({ certId: cert.certId, holderName: '李四', idNumber: cert.idNumber });
    const unknown = await verify({ certId: 'NO-SUCH-1', holderName: cert.holderName, idNumber: cert.idNumber });
    const missesBefore = misses(cert.certId).length;
    const refundsBefore = refunds(cert.certId).length;
    const right = await verify({ certId: cert.certId, holderName: cert.holderName, idNumber: cert.idNumber.toLowerCase() });

    // Assess
    expect(wrongName).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(wrongName.body).toEqual(unknown.body);
    expect(JSON.stringify(wrongName.body)).not.toContain(cert.idNumber);
    // Both misses were counted against their certificate and kept; the match was counted and given back
    expect([missesBefore, refundsBefore]).toEqual([1, 0]);
    expect(misses('NO-SUCH-1')).toHaveLength(1);
    expect(right).toMatchObject({ status: 200, body: { valid: true, certificate: { certId: cert.certId } } });
    expect(refunds(cert.certId)).toHaveLength(1);
  });

  it('answers 429 TOO_MANY_ATTEMPTS with Retry-After once the certificate’s miss budget is spent, without comparing', async () => {
    // Prepare: both conditional writes of the miss counter refuse (an open window at its limit)
    const cert = certificate();
    const windowStart = Date.now() - 60_000;
    ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }));
    ddbMock.on(GetCommand, { Key: keys.windowCounter('verify-miss', cert.certId) }).resolves({ Item: { count: 10, windowStart } });

    // Act
    const answer = await invoke(
      verifyHolder,
      httpEvent(ROUTE.verifyHolder, { json: { certId: cert.certId, holderName: cert.holderName, idNumber: cert.idNumber } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 429, body: { code: 'TOO_MANY_ATTEMPTS' } });
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect(ddbMock.commandCalls(GetCommand, { Key: keys.certificate(cert.certId) })).toHaveLength(0);
  });
});

describe('POST /v1/verify/document', () => {
  it('answers bytes that are not one of our PDFs 422 NOT_AN_ECERT', async () => {
    const answer = await invoke(
      verifyDocument,
      httpEvent(ROUTE.verifyDocument, { headers: { 'content-type': 'application/pdf' }, bytes: Buffer.from('not a pdf') }),
    );
    expect(answer).toMatchObject({ status: 422, body: { code: 'NOT_AN_ECERT' } });
  });

  it('answers another media type 415 before reading the body', async () => {
    const answer = await invoke(verifyDocument, httpEvent(ROUTE.verifyDocument, { json: { pdf: 'x' } }));
    expect(answer).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });
});

describe('$default (not-found)', () => {
  it('answers a known path with another method 405 and Allow', async () => {
    const answer = await invoke(notFound, httpEvent({ method: 'DELETE', path: '/v1/certificates/{certId}/annotations' }, { pathParameters: { certId: 'C-1' } }));
    expect(answer).toMatchObject({ status: 405, headers: { allow: 'GET, POST' }, body: { code: 'METHOD_NOT_ALLOWED', allow: ['GET', 'POST'] } });
  });

  it('answers an unknown path 404', async () => {
    const answer = await invoke(notFound, httpEvent({ method: 'GET', path: '/v1/nothing-here' }));
    expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(answer.headers.allow).toBeUndefined();
  });
});
