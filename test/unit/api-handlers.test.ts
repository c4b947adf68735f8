import { BatchGetCommand, DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../shared/auth/password';
import { idHash } from '../../shared/domain/id-hash';
import { CURRENT_NOTICE, EMPTY_CERTIFICATE_LIST_HINT } from '../../shared/domain/notice';
import { openApiDocument } from '../../shared/http/openapi';
import { ROUTE } from '../../shared/resources/routes';
import { keys, TABLE } from '../../shared/resources/table';
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
import { handler as sessionsCreate } from '../../functions/api/sessions-create';
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
beforeAll(setUpHandlerEnvironment);
afterAll(tearDownHandlerEnvironment);
beforeEach(() => {
  ddbMock.reset();
  // What DynamoDB answers for an item that does not exist; tests add the items they need.
  ddbMock.on(GetCommand).resolves({});
});

const conditionFailed = () => Object.assign(new Error('failed'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });

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

describe('POST /v1/accounts', () => {
  it('creates the identity and the profile in one transaction, storing only the masked ID number', async () => {
    // Prepare
    const idNumber = residentId('19880315');
    ddbMock.on(TransactWriteCommand).resolves({});

    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: ' 林𠮷 ', idType: 'RESIDENT_ID', idNumber, password: PASSWORD } }),
    );

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.headers.location).toBeUndefined();
    const [identity, profile] = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(identity!.Put!.Item).toMatchObject({ pk: expect.stringMatching(/^IDENTITY#RESIDENT_ID#/), holderId: answer.body.holderId });
    expect(profile!.Put!.Item).toMatchObject({ holderId: answer.body.holderId, name: '林𠮷', tokenVersion: 0 });
    expect(JSON.stringify(profile!.Put!.Item)).not.toContain(idNumber);
  });

  it('answers 409 ALREADY_REGISTERED when the identity item exists', async () => {
    // Prepare
    ddbMock.on(TransactWriteCommand).rejects(conditionFailed());

    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: '张三', idType: 'RESIDENT_ID', idNumber: residentId(), password: PASSWORD } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 409, body: { code: 'ALREADY_REGISTERED' } });
  });

  it('names every wrong field at once, without echoing a value (422)', async () => {
    // Act
    const answer = await invoke(
      accountsCreate,
      httpEvent(ROUTE.accountsCreate, { json: { name: 'A'.repeat(51), idType: 'RESIDENT_ID', idNumber: '110105198803151233', password: 'letters' } }),
    );

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['idNumber', 'name', 'password']);
    expect(JSON.stringify(answer.body)).not.toContain('110105198803151233');
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('POST /v1/sessions', () => {
  it('issues a token for the right password and clears the failure counter', async () => {
    // Prepare
    const idNumber = residentId();
    const holder = storedHolder(holderFactory({ passwordHash: await hashPassword(PASSWORD) }), { noticeAccepted: false });
    ddbMock.on(GetCommand, { Key: keys.identity('RESIDENT_ID', idHash(ID_HASH_KEY, 'RESIDENT_ID', idNumber)) }).resolves({ Item: { holderId: holder.holderId } });
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    const answer = await invoke(sessionsCreate, httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber, password: PASSWORD } }));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ holderId: holder.holderId, holderName: holder.name, noticeAccepted: false });
    expect(answer.body.token.split('.')).toHaveLength(3);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(DeleteCommand)[0]!.args[0].input.Key!.pk).toMatch(/^LOGIN#RESIDENT_ID#/);
  });

  it('answers an unknown identity 401 INVALID_CREDENTIALS and counts the failure', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).resolves({ Attributes: { failures: 1 } });

    // Act
    const answer = await invoke(
      sessionsCreate,
      httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber: residentId(), password: 'Wrong-pass-1' } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input.Key!.pk).toMatch(/^LOGIN#RESIDENT_ID#/);
  });

  it('answers a locked identity 429 TOO_MANY_ATTEMPTS with Retry-After, before checking any password', async () => {
    // Prepare
    const lockedUntil = Date.now() + 600_000;
    ddbMock.on(GetCommand).resolves({ Item: { lockedUntil } });

    // Act
    const answer = await invoke(
      sessionsCreate,
      httpEvent(ROUTE.sessionsCreate, { json: { idType: 'RESIDENT_ID', idNumber: residentId(), password: PASSWORD } }),
    );

    // Assess
    expect(answer).toMatchObject({ status: 429, body: { code: 'TOO_MANY_ATTEMPTS', lockedUntil: new Date(lockedUntil).toISOString() } });
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(590);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('PUT /v1/accounts/me/password', () => {
  it('replaces the hash and bumps the token version on the version the caller authenticated with', async () => {
    // Prepare
    const holder = storedHolder(holderFactory({ passwordHash: await hashPassword(PASSWORD), tokenVersion: 3 }));
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    const answer = await invoke(
      passwordChange,
      httpEvent(ROUTE.passwordChange, { token: await tokenFor(holder), json: { currentPassword: PASSWORD, newPassword: 'Another-pass-22' } }),
    );

    // Assess
    expect(answer).toEqual({ status: 204, headers: expect.any(Object), body: undefined });
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':expected': 3 });
  });

  it('answers a wrong current password 401 INVALID_CREDENTIALS and changes nothing', async () => {
    const holder = storedHolder(holderFactory({ passwordHash: await hashPassword(PASSWORD) }));
    const answer = await invoke(
      passwordChange,
      httpEvent(ROUTE.passwordChange, { token: await tokenFor(holder), json: { currentPassword: 'Not-it-123', newPassword: 'Another-pass-22' } }),
    );
    expect(answer).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
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
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({ Key: keys.holder(holder.holderId), ExpressionAttributeValues: { ':v': CURRENT_NOTICE.version } });
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
  it('refuses a revoked certificate with 409 CERTIFICATE_REVOKED before any transaction', async () => {
    // Prepare
    const { cert, token } = await owner(certificate({ status: 'REVOKED' }));

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
    const { cert, token } = await owner(certificate({ issuedAt: '2020-06-01', approvalDate: '2020-01-01' }));
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
  it('answers a wrong name exactly like an unknown certificate', async () => {
    // Prepare
    const cert = certificate();
    ddbMock.on(GetCommand, { Key: keys.certificate(cert.certId) }).resolves({ Item: certificateItem(cert, ID_HASH_KEY) });

    // Act
    const wrongName = await invoke(verifyHolder, httpEvent(ROUTE.verifyHolder, { json: { certId: cert.certId, holderName: '李四', idNumber: cert.idNumber } }));
    const unknown = await invoke(verifyHolder, httpEvent(ROUTE.verifyHolder, { json: { certId: 'NO-SUCH-1', holderName: cert.holderName, idNumber: cert.idNumber } }));
    const right = await invoke(verifyHolder, httpEvent(ROUTE.verifyHolder, { json: { certId: cert.certId, holderName: cert.holderName, idNumber: cert.idNumber.toLowerCase() } }));

    // Assess
    expect(wrongName).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(wrongName.body).toEqual(unknown.body);
    expect(right).toMatchObject({ status: 200, body: { valid: true, certificate: { certId: cert.certId } } });
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
