import { describe, expect, it } from 'vitest';
import { isTextMediaType, requestTime, toHttpApiEvent, type RawRequest } from '../../local/http-event';

/** The local HTTP adapter must hand handlers the same payload-v2 event API Gateway's HTTP API would. */
function rawRequest(overrides: Partial<RawRequest> = {}): RawRequest {
  return {
    method: 'GET',
    url: '/v1/health',
    rawHeaders: [],
    body: Buffer.alloc(0),
    sourceIp: '203.0.113.7',
    host: 'localhost:3000',
    ...overrides,
  };
}

const ROUTE = { routeKey: 'GET /v1/health' };
const FIXED = new Date(Date.UTC(2026, 10, 22, 7, 4, 2, 345));

describe('toHttpApiEvent — path and query', () => {
  it('keeps the raw path and raw query string verbatim', () => {
    // Prepare
    const url = '/v1/certificates/a%2Fb%20c/file?disposition=%E5%BC%A0+x&a=1&a=2&flag';

    // Act
    const event = toHttpApiEvent(rawRequest({ url }), ROUTE, FIXED);

    // Assess
    expect(event.rawPath).toBe('/v1/certificates/a%2Fb%20c/file');
    expect(event.requestContext.http.path).toBe('/v1/certificates/a%2Fb%20c/file');
    expect(event.rawQueryString).toBe('disposition=%E5%BC%A0+x&a=1&a=2&flag');
  });

  it('decodes query parameters (percent-encoding and +) and joins repeated keys with commas', () => {
    // Prepare
    const url = '/x?disposition=%E5%BC%A0+x&a=1&a=2&a=3&na%6De=v%3Dw&flag&empty=';

    // Act
    const event = toHttpApiEvent(rawRequest({ url }), ROUTE, FIXED);

    // Assess
    expect(event.queryStringParameters).toEqual({ disposition: '张 x', a: '1,2,3', name: 'v=w', flag: '', empty: '' });
  });

  it('does not throw on broken percent-encoding and keeps such values as sent', () => {
    // Prepare
    const url = '/x?bad=%E5%BC&worse=%zz&pct=100%&ok=%41';

    // Act
    const event = toHttpApiEvent(rawRequest({ url }), ROUTE, FIXED);

    // Assess
    expect(event.queryStringParameters).toEqual({ bad: '%E5%BC', worse: '%zz', pct: '100%', ok: 'A' });
    expect(event.rawQueryString).toBe('bad=%E5%BC&worse=%zz&pct=100%&ok=%41');
  });

  it('has no queryStringParameters and an empty rawQueryString without a query', () => {
    // Act
    const plain = toHttpApiEvent(rawRequest({ url: '/v1/health' }), ROUTE, FIXED);
    const bareQuestionMark = toHttpApiEvent(rawRequest({ url: '/v1/health?' }), ROUTE, FIXED);

    // Assess
    for (const event of [plain, bareQuestionMark]) {
      expect(event.rawQueryString).toBe('');
      expect(event).not.toHaveProperty('queryStringParameters');
      expect(event.rawPath).toBe('/v1/health');
    }
  });

  // BUG: parameters are collected in a plain object literal and `key in object` sees Object.prototype, so a key like
  // `constructor` or `toString` is "joined" with the inherited function's source text; API Gateway would pass 'x'.
  it('passes query keys named like Object.prototype members through unchanged', () => {
    // Act
    const event = toHttpApiEvent(rawRequest({ url: '/x?constructor=x&toString=y' }), ROUTE, FIXED);

    // Assess
    expect(event.queryStringParameters).toEqual({ constructor: 'x', toString: 'y' });
  });
});

describe('toHttpApiEvent — headers and cookies', () => {
  it('lower-cases header names and joins repeated headers with commas', () => {
    // Prepare
    const rawHeaders = [
      'Host', 'localhost:3000',
      'X-Forwarded-For', '198.51.100.1',
      'x-forwarded-for', '198.51.100.2',
      'Accept', 'application/json',
      'User-Agent', 'vitest/1',
      'IDEMPOTENCY-KEY', 'k-1',
    ];

    // Act
    const event = toHttpApiEvent(rawRequest({ rawHeaders }), ROUTE, FIXED);

    // Assess
    expect(event.headers).toEqual({
      host: 'localhost:3000',
      'x-forwarded-for': '198.51.100.1,198.51.100.2',
      accept: 'application/json',
      'user-agent': 'vitest/1',
      'idempotency-key': 'k-1',
    });
  });

  it('splits cookies out of the headers, across several Cookie headers', () => {
    // Prepare
    const rawHeaders = ['Cookie', 'a=1; b=2;', 'Accept', '*/*', 'cookie', 'c=3'];

    // Act
    const event = toHttpApiEvent(rawRequest({ rawHeaders }), ROUTE, FIXED);

    // Assess
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers).toEqual({ accept: '*/*' });
  });

  // BUG: same plain-object `in` check as for the query: a header named `constructor` gets the inherited function's text.
  it('passes a header named like an Object.prototype member through unchanged', () => {
    const event = toHttpApiEvent(rawRequest({ rawHeaders: ['Constructor', 'v'] }), ROUTE, FIXED);
    expect(event.headers).toEqual({ constructor: 'v' });
  });

  it('has no cookies property without a Cookie header', () => {
    const event = toHttpApiEvent(rawRequest({ rawHeaders: ['Accept', '*/*'] }), ROUTE, FIXED);
    expect(event).not.toHaveProperty('cookies');
  });
});

describe('toHttpApiEvent — bodies', () => {
  const pdfBytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0xfe, 0x80, 0x0a]);

  it.each([
    ['application/pdf', ['Content-Type', 'application/pdf']],
    ['application/octet-stream', ['content-type', 'application/octet-stream']],
    ['image/png', ['Content-Type', 'image/png']],
    ['no content type', []],
  ])('base64-encodes a %s body', (_label, rawHeaders) => {
    // Act
    const event = toHttpApiEvent(rawRequest({ method: 'POST', rawHeaders, body: pdfBytes }), ROUTE, FIXED);

    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(pdfBytes.toString('base64'));
    expect(Buffer.from(event.body!, 'base64').equals(pdfBytes)).toBe(true);
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'text/plain',
    'text/csv; charset=utf-8',
    'application/xml',
    'text/xml',
    'application/problem+json',
    'application/vnd.api+json',
    'application/atom+xml',
  ])('passes a %s body as UTF-8 text', (contentType) => {
    // Prepare
    const text = '{"name":"𠮷张三","note":"ü"}';

    // Act
    const event = toHttpApiEvent(
      rawRequest({ method: 'POST', rawHeaders: ['Content-Type', contentType], body: Buffer.from(text, 'utf8') }),
      ROUTE,
      FIXED,
    );

    // Assess
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(text);
  });

  it.each([[['Content-Type', 'application/pdf']], [['Content-Type', 'application/json']], [[]]])(
    'has no body and isBase64Encoded false for an empty body (headers %j)',
    (rawHeaders) => {
      // Act
      const event = toHttpApiEvent(rawRequest({ method: 'POST', rawHeaders }), ROUTE, FIXED);

      // Assess
      expect(event).not.toHaveProperty('body');
      expect(event.isBase64Encoded).toBe(false);
    },
  );
});

describe('toHttpApiEvent — requestContext and route', () => {
  it('fills the requestContext like API Gateway', () => {
    // Prepare
    const request = rawRequest({
      method: 'post',
      url: '/v1/sessions?x=1',
      rawHeaders: ['User-Agent', 'curl/8.5'],
      sourceIp: '198.51.100.9',
      host: 'ecert.localhost:3000',
    });

    // Act
    const event = toHttpApiEvent(request, { routeKey: 'POST /v1/sessions' }, FIXED);

    // Assess
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /v1/sessions');
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'ecert.localhost',
      routeKey: 'POST /v1/sessions',
      stage: '$default',
      time: '22/Nov/2026:07:04:02 +0000',
      timeEpoch: FIXED.getTime(),
      http: { method: 'POST', path: '/v1/sessions', protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'curl/8.5' },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('gives each request its own request id and an empty user agent when none is sent', () => {
    // Act
    const first = toHttpApiEvent(rawRequest(), ROUTE, FIXED);
    const second = toHttpApiEvent(rawRequest(), ROUTE, FIXED);

    // Assess
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
    expect(first.requestContext.http.userAgent).toBe('');
  });

  // BUG: domainName is `host.split(':')[0]`, which cuts a bracketed IPv6 host such as [::1]:3000 down to '['.
  it('keeps an IPv6 host literal as the domain name', () => {
    const event = toHttpApiEvent(rawRequest({ host: '[::1]:3000' }), ROUTE, FIXED);
    expect(event.requestContext.domainName).toBe('[::1]');
  });

  it('sets pathParameters only when the route has some', () => {
    // Act
    const withParams = toHttpApiEvent(
      rawRequest({ url: '/v1/certificates/C%2F1' }),
      { routeKey: 'GET /v1/certificates/{certId}', pathParameters: { certId: 'C/1' } },
      FIXED,
    );
    const emptyParams = toHttpApiEvent(rawRequest(), { routeKey: ROUTE.routeKey, pathParameters: {} }, FIXED);
    const noParams = toHttpApiEvent(rawRequest(), ROUTE, FIXED);

    // Assess
    expect(withParams.pathParameters).toEqual({ certId: 'C/1' });
    expect(emptyParams).not.toHaveProperty('pathParameters');
    expect(noParams).not.toHaveProperty('pathParameters');
  });
});

describe('isTextMediaType', () => {
  it.each([
    'text/plain',
    'text/html; charset=utf-8',
    'TEXT/CSV',
    'application/json',
    ' application/json ; charset=utf-8',
    'application/xml',
    'application/javascript',
    'application/x-www-form-urlencoded',
    'application/graphql',
    'application/problem+json',
    'application/merge-patch+json',
    'image/svg+xml',
  ])('treats %j as text', (contentType) => {
    expect(isTextMediaType(contentType)).toBe(true);
  });

  it.each([undefined, '', 'application/pdf', 'application/octet-stream', 'image/png', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'application/zip'])(
    'treats %j as binary',
    (contentType) => {
      expect(isTextMediaType(contentType)).toBe(false);
    },
  );
});

describe('requestTime', () => {
  it('formats a fixed date in API Gateway CLF style', () => {
    expect(requestTime(new Date(Date.UTC(2026, 10, 22, 7, 4, 2)))).toBe('22/Nov/2026:07:04:02 +0000');
  });

  it('pads single-digit fields and uses UTC for every month', () => {
    // Prepare
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

    // Act
    const times = months.map((_m, i) => requestTime(new Date(Date.UTC(2025, i, 1, 0, 0, 9))));

    // Assess
    expect(times).toEqual(months.map((m) => `01/${m}/2025:00:00:09 +0000`));
  });

  it('uses UTC, not the local time zone (23:59:59 on Dec 31)', () => {
    expect(requestTime(new Date('2025-12-31T23:59:59.999Z'))).toBe('31/Dec/2025:23:59:59 +0000');
  });
});
