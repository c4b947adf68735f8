import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_TTL_SECONDS } from '../../shared/auth/token';
import { CURRENT_NOTICE } from '../../shared/domain/notice';
import type { ErrorCode } from '../../shared/resources/problems';
import { ROUTES, type RouteDecl } from '../../shared/resources/routes';
import { login } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { captureLogs, type LogCapture } from '../support/log-capture';
import { sensitiveFindings } from '../support/pii-scan';
import { changePassword, enrol, enrolWithEstate, jwtKey, type Enrolled, type Estate } from '../support/security-fixtures';

/**
 * The authorization matrix: every non-public route in ROUTES × every way a caller can fail to be the owner — no token,
 * garbage, expired, wrong signature, `alg: none`, another algorithm, another audience, a token from before a password
 * change, a holder who has not accepted the notice, and another holder's valid token on the owner's ids. Each cell
 * must give the right 401 / 403 / 404 (the 404 the same as for a resource that does not exist) and carry none of the
 * owner's data. Everything logged meanwhile is scanned for ID numbers, passwords and tokens.
 */
let stack: TestStack;
let capture: LogCapture;
/** A: the owner, whose ids every request names. B: another holder with an estate of their own. */
let owner: Estate;
let intruder: Estate;
/** A holder whose password changed after `staleToken` was issued. */
let staleToken: string;
let key: Uint8Array;
const sensitive = new Set<string>();
/** Applications the owner's control requests made (the only ones that may exist besides the estate's own). */
let ownerApplications = 0;

beforeAll(async () => {
  capture = captureLogs();
  stack = await startTestStack({ log: capture.log, pollIdleDelayMs: 20 });
  owner = await enrolWithEstate(stack, { name: '司马𠮷', password: 'Owner-Pass-2026' });
  intruder = await enrolWithEstate(stack, { name: '上官婉', password: 'Intruder-Pass-77' });
  const changed = await enrol(stack, { name: '周九', password: 'Before-Change-1' });
  staleToken = changed.token;
  await changePassword(stack, changed, 'After-Change-22');
  key = await jwtKey(stack);
  for (const party of [owner, intruder, changed]) sensitive.add(party.idNumber).add(party.password).add(party.token);
  sensitive.add('After-Change-22');
});

afterAll(async () => {
  capture?.stop();
  await stack?.stop();
});

// ---------------------------------------------------------------------------------------------------------------
// Callers

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** A token like the service's own (shared/auth/token.ts), with any part overridden. */
async function craft(
  claims: { sub?: string; tv?: unknown; iss?: string; aud?: string; iat?: number; exp?: number } = {},
  { signingKey = key, alg = 'HS256' }: { signingKey?: Uint8Array; alg?: string } = {},
): Promise<string> {
  const now = epoch(new Date());
  const token = await new SignJWT({ tv: 'tv' in claims ? claims.tv : 0 })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setSubject(claims.sub ?? owner.holderId)
    .setIssuer(claims.iss ?? 'ecert')
    .setAudience(claims.aud ?? 'ecert-holder')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + TOKEN_TTL_SECONDS)
    .sign(signingKey);
  sensitive.add(token);
  return token;
}

type Column =
  | 'no token'
  | 'garbage'
  | 'expired'
  | 'wrong signature'
  | 'alg none'
  | 'another algorithm'
  | 'another audience'
  | 'token from before a password change'
  | 'notice not accepted'
  | 'another holder';

/** The Authorization header each column sends; the owner's holder id in every crafted token. */
const CALLERS: Record<Column, () => Promise<string | undefined>> = {
  'no token': async () => undefined,
  garbage: async () => `Bearer ${randomBytes(24).toString('base64url')}.${randomBytes(48).toString('base64url')}.x`,
  expired: async () => {
    const past = epoch(new Date()) - 2 * TOKEN_TTL_SECONDS;
    return `Bearer ${await craft({ iat: past, exp: past + TOKEN_TTL_SECONDS })}`;
  },
  'wrong signature': async () => `Bearer ${await craft({}, { signingKey: randomBytes(32) })}`,
  'alg none': async () => {
    const now = epoch(new Date());
    const token = new UnsecuredJWT({ tv: 0 })
      .setSubject(owner.holderId)
      .setIssuer('ecert')
      .setAudience('ecert-holder')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .encode();
    return `Bearer ${token}`;
  },
  'another algorithm': async () => `Bearer ${await craft({}, { alg: 'HS512' })}`,
  'another audience': async () => `Bearer ${await craft({ aud: 'ecert-operator' })}`,
  'token from before a password change': async () => `Bearer ${staleToken}`,
  'notice not accepted': async () => `Bearer ${(await freshUnaccepted()).token}`,
  'another holder': async () => `Bearer ${intruder.token}`,
};

/** A new holder who has logged in but not accepted the notice (new per use: a route may accept it). */
let unacceptedCount = 0;
async function freshUnaccepted(): Promise<Enrolled> {
  unacceptedCount++;
  const holder = await enrol(stack, { name: '未同意', password: `Unaccepted-${unacceptedCount}-pass` }, { acceptNotice: false });
  sensitive.add(holder.idNumber).add(holder.password).add(holder.token);
  return holder;
}

const UNAUTHENTICATED_COLUMNS: Column[] = [
  'no token',
  'garbage',
  'expired',
  'wrong signature',
  'alg none',
  'another algorithm',
  'another audience',
  'token from before a password change',
];

// ---------------------------------------------------------------------------------------------------------------
// The matrix: one entry per non-public route

interface Req {
  method: string;
  path: string;
  body?: unknown;
}

interface Outcome {
  status: number;
  code?: ErrorCode;
  /** The answer must equal the one for the same request naming a resource that does not exist. */
  likeMissing?: boolean;
}

interface MatrixEntry {
  /** The request, naming the owner's resources. */
  request(target: Estate): Req;
  /** The same request naming resources that do not exist (ids of a valid shape), for routes with ids. */
  missing?(target: Estate): Req;
  /** What the owner gets: proves each request is well-formed, so a refusal is for the right reason. */
  owner: Outcome | { skip: string };
  /** What a holder who has not accepted the current notice gets (R8: certificate routes are 403). */
  noticeNotAccepted: Outcome;
  /** What another holder's valid token gets. */
  anotherHolder: Outcome;
}

const NEW_PASSWORD = 'Never-Applied-9';
const MISSING_CERT = 'ZZ0000000000MISSING';
const MISSING_ANNOTATION = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const notFound: Outcome = { status: 404, code: 'NOT_FOUND', likeMissing: true };
const noticeRequired: Outcome = { status: 403, code: 'NOTICE_NOT_ACCEPTED' };
const annotationPath = (t: Estate, certId = t.certId, annotationId = t.annotationId) =>
  `/v1/certificates/${certId}/annotations/${annotationId}`;

const MATRIX: Record<string, MatrixEntry> = {
  'PUT /v1/accounts/me/password': {
    // Names no resource: it acts on the caller's own account, so another caller can only fail the current password.
    request: (t) => ({ method: 'PUT', path: '/v1/accounts/me/password', body: { currentPassword: t.password, newPassword: NEW_PASSWORD } }),
    owner: { skip: 'would change the owner’s password (test/integration/accounts-certificates.test.ts covers it)' },
    noticeNotAccepted: { status: 401, code: 'INVALID_CREDENTIALS' },
    anotherHolder: { status: 401, code: 'INVALID_CREDENTIALS' },
  },
  'GET /v1/accounts/me': {
    // The caller's own account: another holder sees theirs (checked below to hold none of the owner's data).
    request: () => ({ method: 'GET', path: '/v1/accounts/me' }),
    owner: { status: 200 },
    noticeNotAccepted: { status: 200 },
    anotherHolder: { status: 200 },
  },
  'PUT /v1/accounts/me/name': {
    // The owner's own name and password: a no-op change for the owner; anyone else fails the password check.
    request: (t) => ({ method: 'PUT', path: '/v1/accounts/me/name', body: { name: t.name, password: t.password } }),
    owner: { status: 204 },
    noticeNotAccepted: { status: 401, code: 'INVALID_CREDENTIALS' },
    anotherHolder: { status: 401, code: 'INVALID_CREDENTIALS' },
  },
  'PUT /v1/accounts/me/contact': {
    // No code was sent to this contact for anyone: every caller gets the same refusal.
    request: () => ({ method: 'PUT', path: '/v1/accounts/me/contact', body: { contact: '+8613800000000', code: '000000' } }),
    owner: { status: 422, code: 'CODE_INVALID' },
    noticeNotAccepted: { status: 422, code: 'CODE_INVALID' },
    anotherHolder: { status: 422, code: 'CODE_INVALID' },
  },
  'POST /v1/notice/acceptance': {
    request: () => ({ method: 'POST', path: '/v1/notice/acceptance', body: { version: CURRENT_NOTICE.version } }),
    owner: { status: 204 },
    // Accepting is what such a holder must do: it needs a session, not an accepted notice.
    noticeNotAccepted: { status: 204 },
    anotherHolder: { status: 204 },
  },
  'GET /v1/certificates': {
    request: () => ({ method: 'GET', path: '/v1/certificates' }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    // Their own list: checked below to hold none of the owner's certificates.
    anotherHolder: { status: 200 },
  },
  'GET /v1/certificates/{certId}': {
    request: (t) => ({ method: 'GET', path: `/v1/certificates/${t.certId}` }),
    missing: () => ({ method: 'GET', path: `/v1/certificates/${MISSING_CERT}` }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
  'GET /v1/certificates/{certId}/file': {
    request: (t) => ({ method: 'GET', path: `/v1/certificates/${t.legacyCertId}/file` }),
    missing: () => ({ method: 'GET', path: `/v1/certificates/${MISSING_CERT}/file` }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
  'POST /v1/certificates/{certId}/annotations': {
    request: (t) => ({ method: 'POST', path: `/v1/certificates/${t.certId}/annotations`, body: { scenario: 'SELF_USE', validDays: 7 } }),
    missing: () => ({ method: 'POST', path: `/v1/certificates/${MISSING_CERT}/annotations`, body: { scenario: 'SELF_USE', validDays: 7 } }),
    owner: { status: 202 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
  'GET /v1/certificates/{certId}/annotations': {
    request: (t) => ({ method: 'GET', path: `/v1/certificates/${t.certId}/annotations` }),
    missing: () => ({ method: 'GET', path: `/v1/certificates/${MISSING_CERT}/annotations` }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
  'GET /v1/certificates/{certId}/annotations/{annotationId}': {
    request: (t) => ({ method: 'GET', path: annotationPath(t) }),
    missing: (t) => ({ method: 'GET', path: annotationPath(t, MISSING_CERT, MISSING_ANNOTATION) }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
  'GET /v1/certificates/{certId}/annotations/{annotationId}/download': {
    request: (t) => ({ method: 'GET', path: `${annotationPath(t)}/download` }),
    missing: (t) => ({ method: 'GET', path: `${annotationPath(t, MISSING_CERT, MISSING_ANNOTATION)}/download` }),
    owner: { status: 200 },
    noticeNotAccepted: noticeRequired,
    anotherHolder: notFound,
  },
};

const routeKey = (route: Pick<RouteDecl, 'method' | 'path'>) => `${route.method} ${route.path}`;
const PROTECTED = ROUTES.filter((route) => !route.public);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function send(req: Req, authorization: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const response = await stack.api(req.path, {
    method: req.method,
    headers,
    ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The owner's data: none of it may reach a caller who is not the owner. */
function ownerData(target: Estate): Record<string, string> {
  return {
    certId: target.certId,
    legacyCertId: target.legacyCertId,
    annotationId: target.annotationId,
    verificationCode: target.verificationCode,
    documentSha256: target.documentSha256,
    holderName: target.name,
    idNumber: target.idNumber,
    idNumberMasked: target.idNumberMasked,
    holderId: target.holderId,
  };
}

function leaks(answer: Answer, target: Estate): string[] {
  const headerText = [...answer.headers.entries()].map(([n, v]) => `${n}: ${v}`).join('\n');
  return Object.entries(ownerData(target))
    .filter(([, value]) => answer.text.includes(value) || headerText.includes(value))
    .map(([field]) => field);
}

function expectOutcome(answer: Answer, expected: Outcome, where: string): void {
  expect(answer.status, `${where}: ${answer.text.slice(0, 300)}`).toBe(expected.status);
  if (expected.code) {
    expect(answer.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
    expect(answer.json, where).toMatchObject({ code: expected.code, status: expected.status });
  }
}

/** Header names a client can see, minus the ones that differ per response anyway. */
const headerNames = (answer: Answer) =>
  [...answer.headers.keys()].filter((name) => !['date', 'content-length', 'keep-alive', 'connection'].includes(name)).sort();

// ---------------------------------------------------------------------------------------------------------------

describe('the matrix covers the route table', () => {
  it('has an entry for every non-public route, and none for a route that does not exist', () => {
    const missing = PROTECTED.map(routeKey).filter((key) => !Object.hasOwn(MATRIX, key));
    expect(missing, 'non-public routes without an authorization matrix entry').toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !PROTECTED.some((route) => routeKey(route) === key))).toEqual([]);
  });

  it('crafts tokens the service accepts when nothing is wrong with them (so each column breaks one thing)', async () => {
    const valid = await send({ method: 'GET', path: '/v1/certificates' }, `Bearer ${await craft()}`);
    expect(valid.status).toBe(200);
    const stale = await send({ method: 'GET', path: '/v1/certificates' }, `Bearer ${await craft({ tv: 1 })}`);
    expect(stale.status).toBe(401);
  });

  it('public routes ask for no token', async () => {
    for (const route of ROUTES.filter((r) => r.public)) {
      const path = route.path.replace('{verificationCode}', owner.verificationCode);
      const answer = await send({ method: route.method, path }, undefined);
      expect([401, 403], routeKey(route)).not.toContain(answer.status);
    }
  });
});

describe.each(PROTECTED.map((route) => [routeKey(route), route] as const))('%s', (key) => {
  const entry = (): MatrixEntry => {
    const found = MATRIX[key];
    if (!found) throw new Error(`no authorization matrix entry for ${key}`);
    return found;
  };

  it.each(UNAUTHENTICATED_COLUMNS)('%s → 401 UNAUTHENTICATED, the same answer every time, no data', async (column) => {
    const answer = await send(entry().request(owner), await CALLERS[column]());
    expectOutcome(answer, { status: 401, code: 'UNAUTHENTICATED' }, `${key} × ${column}`);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="ecert"');
    // Every failure is the same 401: nothing tells the caller which check failed.
    const reference = await send(entry().request(owner), undefined);
    expect(answer.json).toEqual(reference.json);
    expect(headerNames(answer)).toEqual(headerNames(reference));
    expect(leaks(answer, owner)).toEqual([]);
  });

  it('notice not accepted → as declared (certificate routes 403 NOTICE_NOT_ACCEPTED), no data', async () => {
    const expected = entry().noticeNotAccepted;
    const authorization = await CALLERS['notice not accepted']();
    const answer = await send(entry().request(owner), authorization);
    expectOutcome(answer, expected, `${key} × notice not accepted`);
    expect(leaks(answer, owner)).toEqual([]);
    const missing = entry().missing;
    if (missing && expected.status === 403) {
      // The 403 comes before any lookup: the same for the owner's ids and for ids that do not exist.
      const other = await send(missing(owner), authorization);
      expect(other.json).toEqual(answer.json);
    }
  });

  it('another holder’s valid token on the owner’s ids → as declared (404 exactly like a missing resource), no data', async () => {
    const { anotherHolder: expected, missing } = entry();
    const authorization = await CALLERS['another holder']();
    const answer = await send(entry().request(owner), authorization);
    expectOutcome(answer, expected, `${key} × another holder`);
    expect(leaks(answer, owner)).toEqual([]);
    if (expected.likeMissing) {
      if (!missing) throw new Error(`${key}: likeMissing needs a missing() request`);
      const absent = await send(missing(owner), authorization);
      expect(absent.status).toBe(answer.status);
      expect(absent.json).toEqual(answer.json);
      expect(absent.headers.get('content-type')).toBe(answer.headers.get('content-type'));
      expect(headerNames(absent)).toEqual(headerNames(answer));
    }
  });

  it('the owner’s own token → as declared (the requests are right; refusals are for the right reason)', async (context) => {
    const expected = entry().owner;
    if ('skip' in expected) return context.skip(expected.skip);
    const request = entry().request(owner);
    const answer = await send(request, `Bearer ${owner.token}`);
    expectOutcome(answer, expected, `${key} × owner`);
    if (request.method === 'POST' && /\/annotations$/.test(request.path)) ownerApplications++;
  });
});

describe('across holders', () => {
  it('another holder’s annotation id under one’s own certificate is a missing annotation', async () => {
    const crossed = await send({ method: 'GET', path: annotationPath(intruder, intruder.certId, owner.annotationId) }, `Bearer ${intruder.token}`);
    const absent = await send({ method: 'GET', path: annotationPath(intruder, intruder.certId, MISSING_ANNOTATION) }, `Bearer ${intruder.token}`);
    expect(crossed.status).toBe(404);
    expect(crossed.json).toEqual(absent.json);
    const download = await send({ method: 'GET', path: `${annotationPath(intruder, intruder.certId, owner.annotationId)}/download` }, `Bearer ${intruder.token}`);
    expect(download.status).toBe(404);
    expect(leaks(crossed, owner)).toEqual([]);
    expect(leaks(download, owner)).toEqual([]);
  });

  it('another holder’s list holds only their own certificates', async () => {
    const list = await send({ method: 'GET', path: '/v1/certificates' }, `Bearer ${intruder.token}`);
    const certIds = ((list.json?.items ?? []) as Array<{ certId: string }>).map((c) => c.certId).sort();
    expect(certIds).toEqual([intruder.certId, intruder.legacyCertId].sort());
    expect(leaks(list, owner)).toEqual([]);
  });

  it('refused applications left the owner’s certificate untouched; the owner’s password and session still work', async () => {
    const list = await send({ method: 'GET', path: `/v1/certificates/${owner.certId}/annotations` }, `Bearer ${owner.token}`);
    const items = (list.json?.items ?? []) as Array<{ annotationId: string }>;
    // The estate's own annotation and those the owner's control requests made; nothing from anyone else.
    expect(items).toHaveLength(1 + ownerApplications);
    expect(items.map((a) => a.annotationId)).toContain(owner.annotationId);
    expect((list.json?.quota as { used: number }).used).toBe(1 + ownerApplications);
    expect((await login(stack, { idNumber: owner.idNumber, password: owner.password })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/v1/certificates' }, `Bearer ${owner.token}`)).status).toBe(200);
  });
});

describe('logs', () => {
  it('hold no ID number, password or token (everything captured at DEBUG, scanned)', () => {
    const logs = capture.text();
    expect(logs).toContain('"message":"request"');
    expect(logs).toMatch(/GET \/v1\/certificates 401 /);
    expect(sensitiveFindings(logs, sensitive)).toEqual([]);
  });
});
