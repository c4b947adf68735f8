import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiText, REFERENCE_FILE, referenceText } from '../../docs/build/api-docs';
import { openApiDocument } from '../../shared/http/openapi';
import { problem } from '../../shared/http/problem';
import { routeProblemCodes } from '../../shared/http/route-handler';
import { ERROR_CODES, ERRORS } from '../../shared/resources/problems';
import { ROUTE, ROUTES, type SuccessStatus } from '../../shared/resources/routes';
import { ContractChecker } from '../support/contract';

/**
 * The OpenAPI document: generated from the route table, committed as docs/openapi.json and docs/api.md (both must be
 * what the code generates now), and strict enough that the contract checker the integration tests use catches a
 * response that differs from it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a generated JSON document by known paths
type Json = Record<string, any>;
const doc = openApiDocument() as Json;
const problemBody = (status: number, code: string, extra: Json = {}) => ({
  type: `https://ecert.example/problems/${code.toLowerCase()}`,
  title: 't',
  status,
  detail: 'd',
  code,
  ...extra,
});

describe('the committed contract', () => {
  it('docs/openapi.json is exactly what GET /openapi.json serves', async () => {
    // Act
    const committed = await readFile(OPENAPI_FILE, 'utf8');

    // Assess
    expect(committed, 'run npm run docs:api').toBe(openApiText());
    expect(JSON.parse(committed)).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('docs/api.md is the reference rendered from it', async () => {
    expect(await readFile(REFERENCE_FILE, 'utf8'), 'run npm run docs:api').toBe(referenceText());
  });
});

describe('openApiDocument', () => {
  it('has one operation per route, named by its ROUTE key', () => {
    // Act
    const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => `${(op as Json).operationId} ${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(operations.sort()).toEqual(Object.entries(ROUTE).map(([name, r]) => `${name} ${r.method} ${r.path}`).sort());
  });

  it('declares a success response with a schema and content type for every route', () => {
    for (const route of ROUTES) {
      const responses = doc.paths[route.path][route.method.toLowerCase()].responses as Json;
      const success = Object.keys(responses).filter((status) => /^2/.test(status));
      expect(success.length, `${route.method} ${route.path}`).toBeGreaterThanOrEqual(1);
      for (const status of success) {
        const declared = route.responses![Number(status) as SuccessStatus]!;
        if (status === '204') expect(responses[status].content).toBeUndefined();
        // Published trust material is DER or a vc+jwt, sent as it is; everything else is JSON.
        else expect(Object.keys(responses[status].content)).toEqual([declared.raw ? declared.contentType : 'application/json']);
      }
    }
  });

  it('declares every problem code a route can answer under its status, as problem+json', () => {
    // Prepare
    const route = ROUTE.annotationDownload;

    // Act
    const responses = doc.paths[route.path].get.responses as Json;
    const codesOf = (status: string) => responses[status].content['application/problem+json'].schema.properties.code.enum;

    // Assess
    expect(Object.keys(responses).sort()).toEqual(['200', '401', '403', '404', '409', '410', '422', '503']);
    expect(codesOf('409').sort()).toEqual(['ANNOTATION_FAILED', 'ANNOTATION_PENDING', 'CERTIFICATE_REVOKED']);
    expect(codesOf('410')).toEqual(['ANNOTATION_EXPIRED']);
    expect(codesOf('401')).toEqual(['UNAUTHENTICATED']);
    expect(responses['401'].headers['www-authenticate'].required).toBe(true);
    expect(codesOf('503')).toEqual(['SERVICE_UNAVAILABLE']);
    expect(responses['503'].headers['retry-after']).toBeDefined();
    for (const code of routeProblemCodes(route)) expect(codesOf(String(ERRORS[code].status))).toContain(code);
  });

  it('has every 401 carry the Bearer challenge, whichever code it is, in the document and in the problem thrown', () => {
    // Act
    const unauthorized = Object.values(doc.paths as Json).flatMap((methods) => Object.values(methods as Json).map((op) => (op as Json).responses['401'])).filter(Boolean);
    const codes = ERROR_CODES.filter((code) => ERRORS[code].status === 401);

    // Assess
    expect(unauthorized.length).toBeGreaterThan(5);
    for (const response of unauthorized) expect(response.headers['www-authenticate']).toMatchObject({ required: true });
    expect(codes.sort()).toEqual(['INVALID_CREDENTIALS', 'UNAUTHENTICATED']);
    for (const code of codes) expect(problem(code).headers['www-authenticate']).toBe('Bearer realm="ecert"');
    expect(problem('NOT_FOUND').headers['www-authenticate']).toBeUndefined();
  });

  it('declares the 202 Location header and the browser redirect of the verification route', () => {
    // Act
    const created = doc.paths['/v1/certificates/{certId}/annotations'].post.responses['202'];
    const redirect = doc.paths['/v1/verify/{verificationCode}'].get.responses['302'];

    // Assess
    expect(created.headers.location).toMatchObject({ required: true });
    expect(redirect.headers.location).toMatchObject({ required: true });
    expect(JSON.stringify(doc)).not.toMatch(/"\/v1\/accounts\/\{holderId\}"/);
  });

  it('states the path parameters with the patterns the server enforces', () => {
    // Act
    const parameters = doc.paths['/v1/certificates/{certId}/annotations/{annotationId}'].get.parameters as Json[];

    // Assess
    expect(parameters.map((p) => [p.name, p.in, p.required, p.schema.pattern])).toEqual([
      ['certId', 'path', true, '^[A-Za-z0-9-]{1,40}$'],
      ['annotationId', 'path', true, '^[0-9A-HJKMNP-TV-Z]{26}$'],
    ]);
  });

  it('states the name, ID number and password rules of registration', () => {
    // Act
    const body = doc.paths['/v1/accounts'].post.requestBody.content['application/json'].schema as Json;

    // Assess
    expect(body.properties.name).toMatchObject({ minLength: 1, maxLength: 50 });
    expect(body.properties.password).toMatchObject({ minLength: 8, maxLength: 128 });
    expect(body.properties.password.pattern).toBe('^(?=[\\s\\S]*\\p{L})(?=[\\s\\S]*\\p{Nd})');
    expect(body.properties.idNumber.description).toMatch(/GB 11643/);
    expect(body.additionalProperties).toBe(false);
  });
});

describe('the contract checker (the tests’ oracle)', () => {
  const checker = new ContractChecker(doc);
  const get = (path: string, status: number, body: unknown, headers: Json = {}) =>
    checker.check({
      method: 'GET',
      path,
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
    });

  it('accepts a response as declared', () => {
    expect(get('/v1/health', 200, { status: 'ok' })).toEqual([]);
    expect(get('/v1/certificates/C-1', 404, problemBody(404, 'NOT_FOUND'))).toEqual([]);
    expect(get('/v1/nothing', 404, problemBody(404, 'NOT_FOUND'))).toEqual([]);
  });

  it('refuses an undeclared member, a wrong type, an undeclared status and an undeclared code', () => {
    expect(get('/v1/health', 200, { status: 'ok', idNumber: '110105198803151232' }).join()).toMatch(/must NOT have additional properties/);
    expect(get('/v1/health', 200, { status: 'fine' }).join()).toMatch(/must be equal to constant/);
    expect(get('/v1/health', 201, { status: 'ok' }).join()).toMatch(/status not declared/);
    expect(get('/v1/certificates/C-1', 409, problemBody(409, 'QUOTA_EXCEEDED')).join()).toMatch(/status not declared/);
    expect(get('/v1/certificates/C-1/annotations/A/download', 409, problemBody(409, 'QUOTA_EXCEEDED')).join()).toMatch(
      /must be equal to one of the allowed values/,
    );
  });

  it('refuses a wrong content type and a missing required header', () => {
    expect(get('/v1/health', 200, { status: 'ok' }, { 'content-type': 'text/plain' }).join()).toMatch(/content-type "text\/plain"/);
    const unauthenticated = checker.check({
      method: 'GET',
      path: '/v1/certificates',
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify(problemBody(401, 'UNAUTHENTICATED')),
    });
    expect(unauthenticated.join()).toMatch(/required header www-authenticate missing/);
  });

  it('holds a known path with another method to 405 with Allow', () => {
    const answer = (status: number, headers: Json) =>
      checker.check({ method: 'DELETE', path: '/v1/health', status, headers, body: JSON.stringify(problemBody(status, status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', status === 405 ? { allow: ['GET'] } : {})) });
    expect(answer(405, { 'content-type': 'application/problem+json', allow: 'GET' })).toEqual([]);
    expect(answer(405, { 'content-type': 'application/problem+json' }).join()).toMatch(/required header allow missing/);
    expect(answer(404, { 'content-type': 'application/problem+json' }).join()).toMatch(/status not declared/);
  });

  it('leaves the portal’s pages alone', () => {
    expect(checker.check({ method: 'GET', path: '/verify?code=x', status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' })).toEqual([]);
  });
});
