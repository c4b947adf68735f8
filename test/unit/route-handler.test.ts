import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { routeHandler, routeProblemCodes, type RouteReply } from '../../shared/http/route-handler';
import type { RouteDecl } from '../../shared/resources/routes';
import { httpEvent, lambdaContext } from '../support/factories';

/**
 * routeHandler's own rules, on routes made up here (the product routes' handlers: api-handlers.test.ts): the order of
 * the checks, what it derives from a declaration, and that a reply the declaration does not know is a bug (500).
 */
const Item = z.strictObject({ id: z.string() });
const ECHO = {
  method: 'POST',
  path: '/v1/echo/{id}',
  fn: 'health',
  public: true,
  summary: 'echo',
  params: z.strictObject({ id: z.string().regex(/^[a-z]{3}$/, '没有这个') }),
  query: z.strictObject({ n: z.string().regex(/^\d+$/).optional() }),
  body: z.strictObject({ text: z.string().max(5) }),
  responses: { 200: { description: 'echo', body: Item } },
} as const satisfies RouteDecl;
const PRIVATE = { ...ECHO, public: false, notice: true } as const satisfies RouteDecl;

const call = async (route: RouteDecl, handler: ReturnType<typeof routeHandler>, request: Parameters<typeof httpEvent>[1]) => {
  const result = (await handler(httpEvent(route, request), lambdaContext())) as { statusCode: number; body?: string; headers?: Record<string, string> };
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined };
};

describe('routeHandler', () => {
  const echo = routeHandler(ECHO, async ({ params, query, body }) => ({ status: 200, body: { id: `${params.id}${query.n ?? ''}${body.text}` } }));

  it('hands the handler the parsed params, query and body, and answers its reply as JSON', async () => {
    // Act
    const answer = await call(ECHO, echo, { pathParameters: { id: 'abc' }, query: { n: '7' }, json: { text: 'hi' } });

    // Assess
    expect(answer).toMatchObject({ status: 200, body: { id: 'abc7hi' }, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
  });

  it('validates query and body before the path, and answers a path that fails its schema 404 with its message', async () => {
    // Act
    const badBodyBadPath = await call(ECHO, echo, { pathParameters: { id: 'ABCD' }, json: { text: 'too long' } });
    const badPath = await call(ECHO, echo, { pathParameters: { id: 'ABCD' }, json: { text: 'ok' } });
    const badQuery = await call(ECHO, echo, { pathParameters: { id: 'abc' }, query: { extra: '1' }, json: { text: 'ok' } });

    // Assess
    expect(badBodyBadPath).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', errors: [{ path: 'text' }] } });
    expect(badPath).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', detail: '没有这个' } });
    expect(badQuery).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
  });

  it('authenticates a non-public route before it reads the body', async () => {
    const guarded = routeHandler(PRIVATE, async () => ({ status: 200, body: { id: 'x' } }));
    const answer = await call(PRIVATE, guarded, { pathParameters: { id: 'abc' }, headers: { 'content-type': 'application/json' } });
    expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' }, headers: { 'www-authenticate': 'Bearer realm="ecert"' } });
  });

  it('answers a reply with an undeclared status as the bug it is: 500 INTERNAL', async () => {
    const broken = routeHandler(ECHO, async () => ({ status: 201, body: { id: 'x' } }) as unknown as RouteReply<typeof ECHO>);
    const answer = await call(ECHO, broken, { pathParameters: { id: 'abc' }, json: { text: 'ok' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
  });
});

describe('routeProblemCodes', () => {
  it('derives the codes routeHandler answers from the declaration, plus the route’s own', () => {
    expect(routeProblemCodes(ECHO).sort()).toEqual(
      ['MALFORMED_REQUEST', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'UNSUPPORTED_MEDIA_TYPE', 'VALIDATION_FAILED'].sort(),
    );
    expect(routeProblemCodes({ ...PRIVATE, problems: ['QUOTA_EXCEEDED'] })).toEqual(
      expect.arrayContaining(['UNAUTHENTICATED', 'NOTICE_NOT_ACCEPTED', 'QUOTA_EXCEEDED']),
    );
    expect(routeProblemCodes(PRIVATE)).not.toContain('RATE_LIMITED');
  });
});
