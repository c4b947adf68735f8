import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../shared/resources/functions';
import { compileRoutes, functionForRoute, matchRoute, ROUTES, type RouteDecl } from '../../shared/resources/routes';
import { REPO_ROOT } from '../../shared/repo-root';


/** A table of its own, so these tests do not depend on which routes the product has today. */
const TABLE: RouteDecl[] = [
  { method: 'GET', path: '/v1/health', fn: 'health', public: true, summary: 'h' },
  { method: 'GET', path: '/openapi.json', fn: 'openapi', public: true, summary: 'o' },
  { method: 'GET', path: '/v1/certificates/{certId}', fn: 'health', public: false, summary: 'c' },
  { method: 'GET', path: '/v1/certificates/{certId}/annotations/{annotationId}', fn: 'health', public: false, summary: 'a' },
  { method: 'POST', path: '/v1/certificates/{certId}/annotations', fn: 'health', public: false, summary: 'p' },
  { method: 'GET', path: '/v1/certificates/{certId}/annotations', fn: 'health', public: false, summary: 'l' },
  { method: 'GET', path: '/v1/a+b/(x)|y', fn: 'health', public: true, summary: 'regex characters' },
];
const compiled = compileRoutes(TABLE);

describe('compileRoutes', () => {
  it('derives the API Gateway route key and the parameter names in order', () => {
    // Act
    const route = compiled.find((r) => r.path === '/v1/certificates/{certId}/annotations/{annotationId}')!;

    // Assess
    expect(route.routeKey).toBe('GET /v1/certificates/{certId}/annotations/{annotationId}');
    expect(route.paramNames).toEqual(['certId', 'annotationId']);
    expect(route.fn).toBe('health');
  });

  it('compiles the product table by default', () => {
    expect(compileRoutes().map((r) => r.routeKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('matchRoute', () => {
  it('finds a literal route with no path parameters', () => {
    // Act
    const match = matchRoute(compiled, 'GET', '/v1/health');

    // Assess
    expect(match.kind).toBe('found');
    if (match.kind !== 'found') return;
    expect(match.route.routeKey).toBe('GET /v1/health');
    expect(match.pathParameters).toEqual({});
  });

  it('extracts several parameters', () => {
    // Act
    const match = matchRoute(compiled, 'GET', '/v1/certificates/C-1/annotations/A-2');

    // Assess
    expect(match).toMatchObject({ kind: 'found', pathParameters: { certId: 'C-1', annotationId: 'A-2' } });
  });

  it('percent-decodes path parameters exactly once', () => {
    // Act
    const chinese = matchRoute(compiled, 'GET', '/v1/certificates/%E8%AF%81%E4%B9%A6%20%F0%A0%AE%B7');
    const doubleEncoded = matchRoute(compiled, 'GET', '/v1/certificates/a%252Fb');
    const plus = matchRoute(compiled, 'GET', '/v1/certificates/a+b');

    // Assess
    expect(chinese).toMatchObject({ kind: 'found', pathParameters: { certId: '证书 𠮷' } });
    expect(doubleEncoded).toMatchObject({ kind: 'found', pathParameters: { certId: 'a%2Fb' } });
    expect(plus).toMatchObject({ kind: 'found', pathParameters: { certId: 'a+b' } });
  });

  it('keeps an encoded slash (%2F) inside one parameter, while a real slash splits segments', () => {
    // Act
    const encoded = matchRoute(compiled, 'GET', '/v1/certificates/a%2Fb');
    const real = matchRoute(compiled, 'GET', '/v1/certificates/a/b');

    // Assess
    expect(encoded).toMatchObject({ kind: 'found', route: { path: '/v1/certificates/{certId}' }, pathParameters: { certId: 'a/b' } });
    expect(real).toEqual({ kind: 'not-found' });
  });

  it('passes a parameter with broken percent-encoding through raw instead of throwing', () => {
    expect(matchRoute(compiled, 'GET', '/v1/certificates/%E8%AF')).toMatchObject({ kind: 'found', pathParameters: { certId: '%E8%AF' } });
    expect(matchRoute(compiled, 'GET', '/v1/certificates/100%')).toMatchObject({ kind: 'found', pathParameters: { certId: '100%' } });
  });

  it('answers method-not-allowed with the allowed methods when only the method differs', () => {
    // Act
    const put = matchRoute(compiled, 'PUT', '/v1/certificates/C-1/annotations');
    const post = matchRoute(compiled, 'POST', '/v1/health');

    // Assess
    expect(put.kind).toBe('method-not-allowed');
    if (put.kind === 'method-not-allowed') expect([...put.allowed].sort()).toEqual(['GET', 'POST']);
    expect(post).toEqual({ kind: 'method-not-allowed', allowed: ['GET'] });
  });

  it('picks the route of the request method among routes sharing a path', () => {
    expect(matchRoute(compiled, 'POST', '/v1/certificates/C-1/annotations')).toMatchObject({
      kind: 'found',
      route: { method: 'POST', summary: 'p' },
    });
    expect(matchRoute(compiled, 'GET', '/v1/certificates/C-1/annotations')).toMatchObject({
      kind: 'found',
      route: { method: 'GET', summary: 'l' },
    });
  });

  // BUG (latent; no product routes overlap today): API Gateway prefers the most specific route, so a literal segment
  // beats a {param} at the same position; matchRoute takes the first declared match instead.
  it('prefers a literal segment over a parameter, whatever the declaration order', () => {
    // Prepare
    const routes = compileRoutes([
      { method: 'GET', path: '/v1/items/{itemId}', fn: 'health', public: true, summary: 'param' },
      { method: 'GET', path: '/v1/items/special', fn: 'health', public: true, summary: 'literal' },
    ]);

    // Act
    const match = matchRoute(routes, 'GET', '/v1/items/special');

    // Assess
    expect(match).toMatchObject({ kind: 'found', route: { summary: 'literal' } });
  });

  it.each([
    '/v1/nothing',
    '/v1/health/',
    '/v1/health/extra',
    '/prefix/v1/health',
    '/v1/certificates/',
    '/v1/certificates',
    '',
    '/',
  ])('answers not-found for %j', (path) => {
    expect(matchRoute(compiled, 'GET', path)).toEqual({ kind: 'not-found' });
  });

  it('treats regex characters in literal segments literally', () => {
    // Act / Assess
    expect(matchRoute(compiled, 'GET', '/openapi.json').kind).toBe('found');
    expect(matchRoute(compiled, 'GET', '/openapiXjson')).toEqual({ kind: 'not-found' });
    expect(matchRoute(compiled, 'GET', '/v1/a+b/(x)|y').kind).toBe('found');
    expect(matchRoute(compiled, 'GET', '/v1/aab/(x)|y')).toEqual({ kind: 'not-found' });
    expect(matchRoute(compiled, 'GET', '/v1/a+b/x')).toEqual({ kind: 'not-found' });
    expect(matchRoute(compiled, 'GET', '/v1/a+b/y')).toEqual({ kind: 'not-found' });
  });
});

describe('ROUTES', () => {
  it('is the contract’s route table (docs/api.md), no more and no less', () => {
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'GET /v1/health',
        'GET /openapi.json',
        'POST /v1/accounts',
        // Accounts v2 (API.md).
        'POST /v1/verification-codes',
        'POST /v1/accounts/password-reset',
        'GET /v1/accounts/me',
        'PUT /v1/accounts/me/name',
        'PUT /v1/accounts/me/contact',
        'POST /v1/sessions',
        'PUT /v1/accounts/me/password',
        'GET /v1/notice',
        'POST /v1/notice/acceptance',
        'GET /v1/certificates',
        'GET /v1/certificates/{certId}',
        'GET /v1/certificates/{certId}/file',
        'POST /v1/certificates/{certId}/annotations',
        'GET /v1/certificates/{certId}/annotations',
        'GET /v1/certificates/{certId}/annotations/{annotationId}',
        'GET /v1/certificates/{certId}/annotations/{annotationId}/download',
        'GET /v1/verify/{verificationCode}',
        'POST /v1/verify',
        'POST /v1/verify/document',
        // The seal's published trust material (issue 12): what the PDFs and credentials point verifiers at.
        'GET /v1/issuer',
        'GET /v1/issuer/jwks.json',
        'GET /v1/pki/ca.crt',
        'GET /v1/pki/crl',
        'GET /v1/credentials/status/{listId}',
      ].sort(),
    );
  });

  it('declares a success response for every route, and a path schema for every path parameter', () => {
    const problems = ROUTES.flatMap((route) => {
      const found: string[] = [];
      if (Object.keys(route.responses ?? {}).length === 0) found.push(`${route.method} ${route.path}: no success response`);
      for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) {
        if (!route.params?.safeParse || !(route.params as { shape?: Record<string, unknown> }).shape?.[name!]) {
          found.push(`${route.method} ${route.path}: no schema for {${name}}`);
        }
      }
      if (route.notice && route.public) found.push(`${route.method} ${route.path}: a public route cannot require the notice`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('names a declared function for every route, whose entry file exists', () => {
    // Prepare
    const declared = new Set(Object.keys(FUNCTIONS));

    // Act
    const problems = ROUTES.flatMap((route) => {
      if (!declared.has(route.fn)) return [`${route.method} ${route.path}: unknown function ${route.fn}`];
      const fn = functionForRoute(route);
      return existsSync(join(REPO_ROOT, fn.entry)) ? [] : [`${route.method} ${route.path}: missing ${fn.entry}`];
    });

    // Assess
    expect(problems).toEqual([]);
  });

  it('has unique route keys, absolute paths and well-formed parameter templates', () => {
    // Prepare
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);

    // Act / Assess
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ROUTES) {
      expect(route.path).toMatch(/^\/[^?#\s]*$/);
      for (const segment of route.path.split('/').slice(1)) {
        if (segment.includes('{') || segment.includes('}')) expect(segment, route.path).toMatch(/^\{\w+\}$/);
      }
    }
  });

  it('matches every product route by its own template', () => {
    // Prepare
    const routes = compileRoutes();

    // Act / Assess
    for (const route of routes) {
      const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => `${name}-1`);
      const match = matchRoute(routes, route.method, path);
      expect(match.kind, route.routeKey).toBe('found');
      if (match.kind === 'found') expect(match.route.routeKey).toBe(route.routeKey);
    }
  });
});
