import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { z } from 'zod';
import { httpHandler, type HttpEvent, type HttpFn } from '../../shared/http/middleware';
import { HttpProblem, problem } from '../../shared/http/problem';
import { ERRORS } from '../../shared/resources/problems';
import { MAX_JSON_BODY_BYTES, parseJsonBody, rawBody, validate } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { holdLogLevel } from '../support/log-capture';

const ID_NUMBER = '110105198803151232';
const PASSWORD = 'Hunter2-SECRET-pw';
const BEARER = 'Bearer eyJhbGciOiJIUzI1NiJ9.SECRET-TOKEN-PAYLOAD.sig';

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/accounts',
    rawPath: '/v1/accounts',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'local',
      http: { method: 'POST', path: '/v1/accounts', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-0001',
      routeKey: 'POST /v1/accounts',
      stage: '$default',
      time: '22/Nov/2026:07:04:02 +0000',
      timeEpoch: 0,
    },
    ...overrides,
  };
}

const jsonEvent = (body: unknown, headers: Record<string, string> = {}) =>
  event({ body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

const context = { awsRequestId: 'aws-req-1', functionName: 'test', callbackWaitsForEmptyEventLoop: true } as Context;

const Body = z.strictObject({
  idType: z.enum(['RESIDENT_ID', 'PASSPORT']),
  idNumber: z.string().regex(/^\d{17}[\dX]$/),
  password: z.string().min(8).max(12),
  holder: z.object({ age: z.number().int() }).optional(),
  tags: z.array(z.string()).optional(),
});
const valid = { idType: 'RESIDENT_ID', idNumber: '11010519491231002X', password: 'abcd1234' };

/** Runs `parseJsonBody` and returns the problem it throws (fails the test if it does not throw one). */
function problemFrom(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('expected an HttpProblem');
}

describe('parseJsonBody', () => {
  it('returns the validated body for application/json', () => {
    expect(parseJsonBody(jsonEvent(valid), Body)).toEqual(valid);
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts the content type %j',
    (contentType) => {
      expect(parseJsonBody(jsonEvent(valid, { 'content-type': contentType }), Body)).toEqual(valid);
    },
  );

  it('reads a base64-encoded JSON body', () => {
    // Prepare
    const body = Buffer.from(JSON.stringify(valid), 'utf8').toString('base64');

    // Act
    const parsed = parseJsonBody(event({ body, isBase64Encoded: true }), Body);

    // Assess
    expect(parsed).toEqual(valid);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['application/jsonp', { 'content-type': 'application/jsonp' }],
    ['no content type', {}],
  ])('answers 415 UNSUPPORTED_MEDIA_TYPE for %s', (_label, headers) => {
    // Act
    const error = problemFrom(() => parseJsonBody(event({ body: JSON.stringify(valid), headers }), Body));

    // Assess
    expect(error.status).toBe(415);
    expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['truncated JSON', '{"idType":'],
    ['trailing garbage', '{"a":1} x'],
    ['single quotes', "{'a':1}"],
    ['empty body', ''],
  ])('answers 400 MALFORMED_REQUEST for %s', (_label, body) => {
    const error = problemFrom(() => parseJsonBody(event({ body }), Body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('MALFORMED_REQUEST');
  });

  it('answers 400 MALFORMED_REQUEST for no body at all', () => {
    const error = problemFrom(() => parseJsonBody(event(), Body));
    expect(error.code).toBe('MALFORMED_REQUEST');
  });

  it('answers 400 MALFORMED_REQUEST for invalid UTF-8 in a base64 body', () => {
    // Prepare: {"idNumber":"<0xff 0xfe>"} — valid JSON structure, invalid UTF-8 inside the string
    const bytes = Buffer.concat([Buffer.from('{"idNumber":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

    // Act
    const error = problemFrom(() => parseJsonBody(event({ body: bytes.toString('base64'), isBase64Encoded: true }), Body));

    // Assess
    expect(error.status).toBe(400);
    expect(error.code).toBe('MALFORMED_REQUEST');
  });

  it('answers 413 PAYLOAD_TOO_LARGE above 64 KiB and accepts exactly 64 KiB', () => {
    // Prepare
    const padTo = (bytes: number) => {
      const text = JSON.stringify(valid);
      return text.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(text)) + '}';
    };
    const exact = padTo(MAX_JSON_BODY_BYTES);
    const over = padTo(MAX_JSON_BODY_BYTES + 1);

    // Act
    const parsed = parseJsonBody(event({ body: exact }), Body);
    const error = problemFrom(() => parseJsonBody(event({ body: over }), Body));

    // Assess
    expect(MAX_JSON_BODY_BYTES).toBe(65536);
    expect(Buffer.byteLength(exact)).toBe(65536);
    expect(parsed).toEqual(valid);
    expect(error.status).toBe(413);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('measures the size in bytes, not characters', () => {
    // Prepare: 21,846 three-byte characters are fewer than 65,536 characters but 65,538 bytes
    const body = JSON.stringify({ name: '张'.repeat(21_846) });

    // Act
    const error = problemFrom(() => parseJsonBody(event({ body }), z.object({ name: z.string() })));

    // Assess
    expect(body.length).toBeLessThan(MAX_JSON_BODY_BYTES);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 422 VALIDATION_FAILED with errors[] naming each path', () => {
    // Prepare
    const body = { idType: 'SECRET-TYPE', idNumber: ID_NUMBER + 'Z', password: PASSWORD, holder: { age: 'x' }, tags: ['a', 7], extra: 1 };

    // Act
    const error = problemFrom(() => parseJsonBody(jsonEvent(body), Body));

    // Assess
    expect(error.status).toBe(422);
    expect(error.code).toBe('VALIDATION_FAILED');
    const errors = error.extra.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path).sort()).toEqual(['(body)', 'holder.age', 'idNumber', 'idType', 'password', 'tags.1']);
    for (const e of errors) expect(e.message).toEqual(expect.any(String));
  });

  it('names the body itself as "(body)" when the top level has the wrong type', () => {
    const error = problemFrom(() => parseJsonBody(event({ body: '[1,2]' }), Body));
    expect(error.extra.errors).toEqual([{ path: '(body)', message: expect.any(String) }]);
  });

  it('never puts a submitted value into the 422 response', async () => {
    // Prepare
    const body = { idType: `TYPE-${ID_NUMBER}`, idNumber: `${ID_NUMBER}ZZ`, password: `${PASSWORD}-too-long`, holder: { age: PASSWORD } };
    const handler = httpHandler(async (e) => json(200, parseJsonBody(e, Body)));

    // Act
    const response = await handler(jsonEvent(body), context);

    // Assess
    expect(response.statusCode).toBe(422);
    const text = JSON.stringify(response);
    expect(text).not.toContain(ID_NUMBER);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('SECRET');
    expect(JSON.parse(response.body!).errors.length).toBe(4);
  });
});

describe('validate and rawBody', () => {
  it('validate returns parsed data or throws VALIDATION_FAILED', () => {
    expect(validate(z.object({ n: z.coerce.number() }), { n: '5' })).toEqual({ n: 5 });
    expect(problemFrom(() => validate(z.object({ n: z.number() }), { n: 'x' })).code).toBe('VALIDATION_FAILED');
  });

  it('rawBody decodes base64 and UTF-8 bodies and gives an empty buffer for none', () => {
    expect(rawBody(event({ body: Buffer.from([1, 2, 255]).toString('base64'), isBase64Encoded: true }))).toEqual(Buffer.from([1, 2, 255]));
    expect(rawBody(event({ body: '张' }))).toEqual(Buffer.from('张', 'utf8'));
    expect(rawBody(event())).toHaveLength(0);
  });
});

describe('HttpProblem', () => {
  it('builds the problem body with a type URI from the code, the title, and extra fields', () => {
    // Act
    const body = problem('ANNOTATION_EXPIRED', '请重新申请', { annotationId: 'A1' }).toBody();

    // Assess
    expect(body).toEqual({
      type: 'https://ecert.example/problems/annotation-expired',
      title: ERRORS.ANNOTATION_EXPIRED.title,
      status: 410,
      detail: '请重新申请',
      code: 'ANNOTATION_EXPIRED',
      annotationId: 'A1',
    });
  });

  it('defaults the detail to the title and mirrors status as statusCode', () => {
    const error = problem('NOT_FOUND');
    expect(error.detail).toBe('未找到');
    expect(error.statusCode).toBe(404);
    expect(error).toBeInstanceOf(Error);
  });

  it('uses the statuses of the API contract', () => {
    expect(
      Object.fromEntries(
        (['VALIDATION_FAILED', 'ALREADY_REGISTERED', 'INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS', 'NOTICE_NOT_ACCEPTED', 'NOTICE_VERSION_OUTDATED', 'QUOTA_EXCEEDED', 'ANNOTATION_EXPIRED', 'NOT_AN_ECERT'] as const).map(
          (code) => [code, ERRORS[code].status],
        ),
      ),
    ).toEqual({
      VALIDATION_FAILED: 422,
      ALREADY_REGISTERED: 409,
      INVALID_CREDENTIALS: 401,
      TOO_MANY_ATTEMPTS: 429,
      NOTICE_NOT_ACCEPTED: 403,
      NOTICE_VERSION_OUTDATED: 409,
      QUOTA_EXCEEDED: 409,
      ANNOTATION_EXPIRED: 410,
      NOT_AN_ECERT: 422,
    });
  });
});

describe('httpHandler', () => {
  let output: string[];
  let restoreLogLevel: () => void = () => undefined;
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeAll(() => {
    // Log everything, so the request line is captured too (the test config sets WARN).
    restoreLogLevel = holdLogLevel('DEBUG');
  });
  afterAll(() => {
    restoreLogLevel();
  });
  beforeEach(() => {
    output = [];
    const capture = (chunk: unknown) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  const run = (fn: HttpFn, e: HttpEvent = jsonEvent(valid)) => httpHandler(fn)(e, context);

  it('passes a successful response through', async () => {
    // Act
    const response = await run(async () => json(201, { holderId: 'h-1' }));

    // Assess
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body!)).toEqual({ holderId: 'h-1' });
  });

  it('turns an HttpProblem into application/problem+json with extra fields and headers', async () => {
    // Prepare
    const fn: HttpFn = async () => {
      throw problem('QUOTA_EXCEEDED', '本周期加注次数已用完', { nextAvailableAt: '2026-12-01T00:00:00.000Z' }, { 'retry-after': '60' });
    };

    // Act
    const response = await run(fn);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'retry-after': '60',
    });
    expect(JSON.parse(response.body!)).toEqual({
      type: 'https://ecert.example/problems/quota-exceeded',
      title: '加注次数已达上限',
      status: 409,
      detail: '本周期加注次数已用完',
      code: 'QUOTA_EXCEEDED',
      nextAvailableAt: '2026-12-01T00:00:00.000Z',
    });
  });

  it('turns a validation failure from parseJsonBody into a 422 problem', async () => {
    // Act
    const response = await run(async (e) => json(200, parseJsonBody(e, Body)), jsonEvent({ ...valid, password: 'short' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'VALIDATION_FAILED', status: 422, errors: [{ path: 'password' }] });
  });

  it('answers an unexpected error with a bare 500 INTERNAL that does not reveal the message', async () => {
    // Prepare
    const fn: HttpFn = async () => {
      throw new Error(`boom ${ID_NUMBER}`);
    };

    // Act
    const response = await run(fn);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = JSON.parse(response.body!);
    expect(body).toEqual({
      type: 'https://ecert.example/problems/internal',
      title: '服务内部错误',
      status: 500,
      detail: '服务内部错误，请稍后重试',
      code: 'INTERNAL',
    });
    expect(response.body).not.toContain('boom');
    expect(response.body).not.toContain(ID_NUMBER);
  });

  it.each([
    ['a DynamoDB throttle after the SDK retries', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })],
    ['an SDK request timeout', Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' })],
    ['a 5xx from the service', Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an endpoint that cannot be resolved', Object.assign(new Error('getaddrinfo failed'), { cause: { code: 'ENOTFOUND' } })],
  ])('answers %s with 503 SERVICE_UNAVAILABLE and Retry-After, logged as a warning without its message', async (_, error) => {
    // Act
    const response = await run(async () => {
      throw error;
    });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(response.body!)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    const logged = output.join('');
    const line = logged.split('\n').find((l) => l.includes('dependency unavailable'));
    expect(JSON.parse(line!)).toMatchObject({ level: 'WARN', errorName: error.name });
    expect(logged).not.toContain('unhandled error');
    expect(logged).not.toContain(error.message);
  });

  it('still answers a validation-like AWS error (4xx, not throttling) with a 500: it is a bug of ours', async () => {
    const response = await run(async () => {
      throw Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    });
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!).code).toBe('INTERNAL');
  });

  it('answers a thrown non-Error value with a 500 too', async () => {
    const response = await run(async () => {
      throw 'just a string';
    });
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!).code).toBe('INTERNAL');
  });

  it('logs the 500 without the request body or the Authorization header', async () => {
    // Prepare
    const e = event({
      body: JSON.stringify({ idNumber: '11010519491231002X', password: PASSWORD }),
      headers: { 'content-type': 'application/json', authorization: BEARER, cookie: 'session=SECRET-COOKIE' },
      cookies: ['session=SECRET-COOKIE'],
    });
    const fn: HttpFn = async () => {
      throw new Error('boom');
    };

    // Act
    const response = await run(fn, e);

    // Assess
    expect(response.statusCode).toBe(500);
    const logged = output.join('');
    const errorLine = logged.split('\n').find((line) => line.includes('unhandled error'));
    expect(errorLine, 'the 500 is logged').toBeDefined();
    expect(JSON.parse(errorLine!)).toMatchObject({ level: 'ERROR', errorName: 'Error', errorMessage: 'boom', requestId: 'req-0001' });
    for (const secret of ['11010519491231002X', PASSWORD, 'SECRET-TOKEN-PAYLOAD', 'Bearer', 'SECRET-COOKIE']) {
      expect(logged).not.toContain(secret);
    }
  });

  // BUG (PII in logs): the error boundary logs `error.message` of unexpected errors verbatim, so an ID number carried in
  // a message (here the brief's example; in practice e.g. V8's JSON.parse SyntaxError quotes the input) reaches the
  // log, against shared/observability.ts ("never ... ID numbers").
  it('keeps an ID number carried in an unexpected error message out of the log', async () => {
    // Act
    await run(async () => {
      throw new Error(`boom ${ID_NUMBER}`);
    });

    // Assess
    expect(output.join('')).toContain('unhandled error');
    expect(output.join('')).not.toContain(ID_NUMBER);
  });

  it('logs each request with its status, and nothing from the event but ids', async () => {
    // Prepare
    const e = event({ body: JSON.stringify({ password: PASSWORD }), headers: { 'content-type': 'application/json', authorization: BEARER } });

    // Act
    await run(async () => {
      throw problem('INVALID_CREDENTIALS');
    }, e);

    // Assess
    const lines = output.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'request', status: 401, route: 'POST /v1/accounts' }));
    expect(output.join('')).not.toContain(PASSWORD);
    expect(output.join('')).not.toContain('SECRET-TOKEN-PAYLOAD');
  });
});
