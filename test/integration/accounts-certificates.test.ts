import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSecret } from '../../shared/config/secrets';
import { attachElectronicFile, revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord, PASSWORD, residentId } from '../support/factories';
import { codeSentTo, jsonInit, login, readyHolder, register, requestCode, sessionFor, testMobile } from '../support/holder-client';
import { fetchFrom } from '../support/source-http';
import { minimalPdf } from '../support/pdf';
import { holdLogLevel } from '../support/log-capture';

let stack: TestStack;
const captured: string[] = [];
const secrets: string[] = [PASSWORD];
let restoreStdout: () => void;
let restoreLogLevel: (() => void) | undefined;

beforeAll(async () => {
  // Everything the handlers log (at every level) and the runtime's access log are captured and scanned at the end.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return write(chunk as never, ...(rest as []));
  }) as typeof process.stdout.write;
  restoreStdout = () => (process.stdout.write = write);
  restoreLogLevel = holdLogLevel('DEBUG');
  stack = await startTestStack({ log: (line) => captured.push(line) });
});

afterAll(async () => {
  restoreStdout?.();
  restoreLogLevel?.();
  await stack?.stop();
  // Assess (whole file): no ID number, password or token in any log line.
  const logs = captured.join('\n');
  // The capture works: handler logs and the access log are both in it.
  expect(logs).toContain('"message":"password attempt failed"');
  expect(logs).toContain('POST /v1/sessions 401');
  for (const secret of secrets) expect(logs).not.toContain(secret);
});

async function importCertificate(overrides: Parameters<typeof certificateRecord>[0] = {}) {
  const record = certificateRecord(overrides);
  await upsertCertificate(record, await getSecret('idHashKey'));
  secrets.push(record.idNumber);
  return record;
}

const loginFrom = (from: string, person: { idNumber: string; password?: string }) =>
  fetchFrom(from, `${stack.apiUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ idType: 'RESIDENT_ID', idNumber: person.idNumber, password: person.password ?? PASSWORD }),
  });

function person(name = '张三') {
  const idNumber = residentId('19880315');
  secrets.push(idNumber);
  return { name, idNumber };
}

describe('registration', () => {
  it('registers with a code; a second registration whose code proves another contact is 409 ALREADY_REGISTERED', async () => {
    const p = person();
    const first = await register(stack, p);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ holderId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const second = await register(stack, { ...p, name: '李四' });
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await second.json()).toMatchObject({ code: 'ALREADY_REGISTERED', status: 409, passwordResetPath: '/forgot-password' });
  });

  it('uses a code once: 8 simultaneous registrations with it, exactly one account', async () => {
    const p = person();
    const contact = testMobile();
    expect((await requestCode(stack, { purpose: 'REGISTER', idNumber: p.idNumber, contact })).status).toBe(202);
    const code = await codeSentTo(stack, contact);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => register(stack, { ...p, code }).then((r) => r.status)));
    // One wins; the others find the code used (422 CODE_INVALID) or the identity just taken (409).
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422 || s === 409)).toHaveLength(7);
    // …and none of them replaced the new account afterwards: its first sessions still work.
    expect((await login(stack, p)).status).toBe(200);
  });

  it('rejects a bad check digit, a weak password and a bad name with 422 naming each field', async () => {
    const good = residentId();
    const badDigit = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    secrets.push(good, badDigit);
    const response = await register(stack, { name: '张3', idNumber: badDigit, password: 'abcdefgh' });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { code: string; errors: Array<{ path: string; message: string }> };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.map((e) => e.path).sort()).toEqual(['idNumber', 'name', 'password']);
    expect(JSON.stringify(body)).not.toContain(badDigit);
  });

  it('answers a non-JSON body with 415 and broken JSON with 400, never 5xx', async () => {
    const text = await stack.api('/v1/accounts', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
    const broken = await stack.api('/v1/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  it('keeps an Extension-B name byte for byte through registration, storage and display', async () => {
    const name = '林𠮷\u{2A6A5}';
    const record = await importCertificate({ holderName: name });
    const holder = await readyHolder(stack, { name, idNumber: record.idNumber });
    const list = (await (await holder.get('/v1/certificates')).json()) as { items: Array<{ holderName: string }> };
    expect(list.items).toHaveLength(1);
    expect(Buffer.from(list.items[0]!.holderName).equals(Buffer.from(name))).toBe(true);
    const session = (await (await login(stack, { idNumber: record.idNumber })).json()) as { holderName: string };
    expect(Buffer.from(session.holderName).equals(Buffer.from(name))).toBe(true);
  });
});

describe('login', () => {
  it('answers an unknown ID and a wrong password identically', async () => {
    const p = person();
    await register(stack, p);
    const unknownId = residentId('19700101');
    secrets.push(unknownId);
    const wrong = await login(stack, { idNumber: p.idNumber, password: 'Wrong-Pass-1' });
    const unknown = await login(stack, { idNumber: unknownId });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('issues a token of at most one hour', async () => {
    const p = person();
    await register(stack, p);
    const response = await login(stack, p);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expiresAt: string };
    secrets.push(body.token);
    const lifetime = Date.parse(body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
  });

  it('slows a failing source and never holds out the holder: the right password from another source gets in', async () => {
    const p = person();
    await register(stack, p);
    const attacker = '127.0.0.2';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await loginFrom(attacker, { idNumber: p.idNumber, password: `Wrong-${i}-x` })).status);
    // The attacking source now waits (2 s after its 4th failure), even with the right password.
    const slowed = await loginFrom(attacker, p);
    const holder = await loginFrom('127.0.0.3', p);
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(slowed.status).toBe(429);
    expect(await slowed.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: expect.any(Number) });
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(holder.status).toBe(200);
  });

  it('serialises concurrent guesses of one source: 12 at once, at most 4 compared, the holder still gets in', async () => {
    const p = person();
    await register(stack, p);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => loginFrom('127.0.0.4', { idNumber: p.idNumber, password: `Bad-pass-${i}` }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(8);
    expect((await loginFrom('127.0.0.5', p)).status).toBe(200);
  });

  it('counts unknown identities the same way, so the answers reveal nothing', async () => {
    const p = person();
    await register(stack, p);
    const unknownId = residentId('19660606');
    secrets.push(unknownId);
    const run = async (idNumber: string, from: string) => {
      const answers: Array<[number, unknown]> = [];
      for (let i = 0; i < 5; i++) {
        const response = await loginFrom(from, { idNumber, password: `Wrong-${i}-x` });
        const body = (await response.json()) as Record<string, unknown>;
        answers.push([response.status, { ...body, retryAfterSeconds: body.retryAfterSeconds === undefined ? undefined : 'n' }]);
      }
      return answers;
    };
    expect(await run(unknownId, '127.0.0.6')).toEqual(await run(p.idNumber, '127.0.0.7'));
  });
});

describe('notice and certificates', () => {
  it('walks register → login → notice → list → get', async () => {
    // Prepare
    const record = await importCertificate({ holderName: '王五' });
    const other = await importCertificate({ holderName: '王五', idNumber: record.idNumber, issuedAt: '2020-06-01', approvalDate: '2020-05-01', qualificationCode: 'AUDIT' });
    await register(stack, { name: '王五', idNumber: record.idNumber });
    const session = (await (await login(stack, { idNumber: record.idNumber })).json()) as {
      token: string;
      holderId: string;
      noticeAccepted: boolean;
    };
    secrets.push(session.token);
    expect(session.noticeAccepted).toBe(false);
    const holder = sessionFor(stack, session.token, session.holderId);

    // Before the notice is accepted, certificate routes answer 403.
    const before = await holder.get('/v1/certificates');
    expect(before.status).toBe(403);
    expect(await before.json()).toMatchObject({ code: 'NOTICE_NOT_ACCEPTED' });
    const notice = (await (await stack.api('/v1/notice')).json()) as { version: string; text: string };
    expect(notice.text).toContain('服务须知');
    const outdated = await holder.post('/v1/notice/acceptance', { version: '2000-01-01' });
    expect(outdated.status).toBe(409);
    expect(await outdated.json()).toMatchObject({ code: 'NOTICE_VERSION_OUTDATED' });
    expect((await holder.post('/v1/notice/acceptance', { version: notice.version })).status).toBe(204);

    // Act
    const list = (await (await holder.get('/v1/certificates')).json()) as {
      items: Array<Record<string, unknown>>;
      hint?: unknown;
    };
    const one = await holder.get(`/v1/certificates/${record.certId}`);

    // Assess
    expect(list.hint).toBeUndefined();
    expect(list.items.map((c) => c.certId)).toEqual([record.certId, other.certId]);
    expect(one.status).toBe(200);
    const cert = (await one.json()) as Record<string, unknown>;
    expect(cert).toMatchObject({
      certId: record.certId,
      holderName: '王五',
      idType: 'RESIDENT_ID',
      qualification: { code: 'ECONOMICS', name: '经济专业技术资格', level: '中级', specialty: '人力资源管理' },
      approvalDate: record.approvalDate,
      issuedAt: record.issuedAt,
      issuer: record.issuer,
      sealAuthority: 'MOHRSS',
      status: 'VALID',
      statusLabel: '有效',
      annotationRequired: true,
      hasElectronicFile: false,
    });
    expect(cert.idNumberMasked).toMatch(/^\d{3}\*{11}[\dX]{4}$/);
    expect(JSON.stringify(cert)).not.toContain(record.idNumber);
    expect(list.items[1]).toMatchObject({ annotationRequired: false });
  });

  it('gives an empty list with the R10 hint', async () => {
    const holder = await readyHolder(stack, person('赵六'));
    const body = (await (await holder.get('/v1/certificates')).json()) as { items: unknown[]; hint: { reasons: string[] } };
    expect(body.items).toEqual([]);
    expect(body.hint.reasons).toHaveLength(3);
    expect(body.hint.reasons.join('')).toContain('更正');
  });

  it("answers another holder's certificate exactly like a missing one", async () => {
    const a = await importCertificate({ holderName: '甲' });
    const b = await readyHolder(stack, person('乙'));
    const theirs = await b.get(`/v1/certificates/${a.certId}`);
    const missing = await b.get('/v1/certificates/NO-SUCH-CERT');
    const malformed = await b.get(`/v1/certificates/${encodeURIComponent('../../x')}`);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(404);
    const [x, y] = [await theirs.json(), await missing.json()];
    expect(x).toEqual(y);
    expect((await b.get(`/v1/certificates/${a.certId}/file`)).status).toBe(404);
  });

  it('does not show a certificate whose name differs from the registered one (R7)', async () => {
    const record = await importCertificate({ holderName: '钱七' });
    const holder = await readyHolder(stack, { name: '钱柒', idNumber: record.idNumber });
    const body = (await (await holder.get('/v1/certificates')).json()) as { items: unknown[] };
    expect(body.items).toEqual([]);
    expect((await holder.get(`/v1/certificates/${record.certId}`)).status).toBe(404);
  });

  it('serves the electronic file of a legacy certificate through a presigned link; 404 without one; 409 when revoked', async () => {
    const legacy = await importCertificate({ holderName: '孙八', issuedAt: '2019-03-01', approvalDate: '2019-01-01', qualificationCode: 'AUDIT' });
    const ecert = await importCertificate({ holderName: '孙八', idNumber: legacy.idNumber });
    const pdf = minimalPdf('legacy');
    await attachElectronicFile(legacy.certId, pdf);
    const holder = await readyHolder(stack, { name: '孙八', idNumber: legacy.idNumber });

    const response = await holder.get(`/v1/certificates/${legacy.certId}/file?disposition=inline`);
    expect(response.status).toBe(200);
    const link = (await response.json()) as { url: string; expiresAt: string; filename: string };
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect(link.filename).toBe(`审计专业技术资格-${legacy.certId}-证书电子文件.pdf`);
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(link.filename)}`);
    expect(download.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);

    const none = await holder.get(`/v1/certificates/${ecert.certId}/file`);
    expect(none.status).toBe(404);
    const bad = await holder.get(`/v1/certificates/${legacy.certId}/file?disposition=evil`);
    expect(bad.status).toBe(422);

    await revokeCertificate(legacy.certId, '测试撤销');
    const revoked = await holder.get(`/v1/certificates/${legacy.certId}/file`);
    expect(revoked.status).toBe(409);
    expect(await revoked.json()).toMatchObject({ code: 'CERTIFICATE_REVOKED' });
    const view = (await (await holder.get(`/v1/certificates/${legacy.certId}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'REVOKED', statusLabel: '已撤销', hasElectronicFile: true });
  });
});

describe('sessions end', () => {
  it('rejects missing, garbage and outdated tokens with 401; a password change ends old sessions', async () => {
    const p = person('周九');
    const holder = await readyHolder(stack, p);
    secrets.push(holder.token);
    expect((await stack.api('/v1/certificates')).status).toBe(401);
    expect((await stack.api('/v1/certificates', { headers: { authorization: 'Bearer abc.def.ghi' } })).status).toBe(401);
    expect((await holder.get('/v1/certificates')).status).toBe(200);
    // The scheme is case-insensitive (RFC 9110); the token is not.
    expect((await stack.api('/v1/certificates', { headers: { authorization: `bearer ${holder.token}` } })).status).toBe(200);
    expect((await stack.api('/v1/certificates', { headers: { authorization: `Bearer ${holder.token.toUpperCase()}` } })).status).toBe(401);

    const newPassword = 'Another-Pass-99';
    secrets.push(newPassword);
    const wrongCurrent = await stack.api(
      '/v1/accounts/me/password',
      jsonInit('PUT', { currentPassword: 'nope-nope-1', newPassword }, { authorization: `Bearer ${holder.token}` }),
    );
    expect(wrongCurrent.status).toBe(401);
    const changed = await stack.api(
      '/v1/accounts/me/password',
      jsonInit('PUT', { currentPassword: PASSWORD, newPassword }, { authorization: `Bearer ${holder.token}` }),
    );
    expect(changed.status).toBe(204);
    const old = await holder.get('/v1/certificates');
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await login(stack, p)).status).toBe(401);
    expect((await login(stack, { ...p, password: newPassword })).status).toBe(200);
  });
});

describe('methods outside the route table', () => {
  it('answers a known path with another method 405 with Allow, and an unknown path 404', async () => {
    // Act
    const deleted = await stack.api('/v1/certificates/ANY-1/annotations', { method: 'DELETE' });
    const put = await stack.api('/v1/sessions', { method: 'PUT' });
    const unknown = await stack.api('/v1/nothing-here', { method: 'DELETE' });

    // Assess (stack.api also checks each answer against the OpenAPI document's MethodNotAllowed / NotFound)
    expect(deleted.status).toBe(405);
    expect(deleted.headers.get('allow')).toBe('GET, POST');
    expect(await deleted.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', allow: ['GET', 'POST'] });
    expect(put.headers.get('allow')).toBe('POST');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
  });
});
