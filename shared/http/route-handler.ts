import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Holder } from '../repository/holders';
import type { ErrorCode } from '../resources/problems';
import type { ResponseDecl, RouteDecl, SuccessStatus } from '../resources/routes';
import { prefersEnglish } from './accept-language';
import { prefersHtml } from './accept';
import { authenticate, authenticateWithNotice } from './auth';
import { httpHandler, type HttpEvent, type HttpResult } from './middleware';
import { problem } from './problem';
import { parseJsonBody, rawBody, validate } from './request';
import { BASE_HEADERS } from './response';

/**
 * `routeHandler(route, fn)`: the one way an HTTP function is built. From the route's own declaration
 * (shared/resources/routes.ts) it
 *
 * 1. redirects a browser when the route declares `browserRedirect`;
 * 2. authenticates a non-public route (401 UNAUTHENTICATED) and, where the route declares `notice`, requires the
 *    current service notice (403 NOTICE_NOT_ACCEPTED, R8);
 * 3. validates the headers, the query (422 VALIDATION_FAILED) and the body (415, 400, 413, 422) with the route's
 *    schemas; a `binaryBody` route gets the raw bytes after a media-type check (415);
 * 4. validates the path parameters — a value that fails names nothing that exists: 404 NOT_FOUND with the schema's
 *    message, the same answer a lookup miss gives;
 * 5. calls `fn` with the typed values and turns its reply into the HTTP response (JSON, or none for 204).
 *
 * The reply's type comes from the route's `responses`: a handler can only answer a declared status with that status's
 * body type and its required headers, so the handler and the OpenAPI document cannot disagree.
 */

type Infer<S, Otherwise> = S extends z.ZodType ? z.output<S> : Otherwise;

type EmptyRecord = Record<never, never>;

export interface RouteInput<R extends RouteDecl> {
  /** The authenticated holder; undefined on public routes. */
  holder: R['public'] extends false ? Holder : undefined;
  params: Infer<R['params'], EmptyRecord>;
  query: Infer<R['query'], EmptyRecord>;
  headers: Infer<R['headers'], EmptyRecord>;
  body: R['body'] extends z.ZodType ? z.output<R['body']> : R['binaryBody'] extends string ? Buffer : undefined;
  /** The request's time: one clock reading for every decision the request makes. */
  now: Date;
  event: HttpEvent;
  context: Context;
}

type RequiredHeaderNames<H> = {
  [K in keyof H]: H[K] extends { required: true } ? K : never;
}[keyof H] &
  string;

type ReplyHeaders<D> = D extends { headers: infer H }
  ? { [K in RequiredHeaderNames<H>]: string } & Record<string, string>
  : Record<string, string>;

type ReplyFor<S, D> = D extends { raw: infer Kind }
  ? { status: S; body: Kind extends 'binary' ? Buffer : string; headers: ReplyHeaders<D> }
  : D extends { body: infer B extends z.ZodType }
  ? { status: S; body: z.input<B> } & (D extends { headers: infer H }
      ? [RequiredHeaderNames<H>] extends [never]
        ? { headers?: ReplyHeaders<D> }
        : { headers: ReplyHeaders<D> }
      : { headers?: Record<string, string> })
  : { status: S; body?: undefined; headers?: ReplyHeaders<D> };

/** What a handler of route R may answer: one of its declared success responses. */
export type RouteReply<R extends RouteDecl> = R['responses'] extends infer Rs
  ? { [S in keyof Rs & SuccessStatus]: ReplyFor<S, Rs[S]> }[keyof Rs & SuccessStatus]
  : never;

export type RouteFn<R extends RouteDecl> = (input: RouteInput<R>) => Promise<RouteReply<R>>;

/** The problem codes routeHandler itself answers for a route, derived from its declaration. */
export function routeProblemCodes(route: RouteDecl): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (!route.public) codes.add('UNAUTHENTICATED');
  if (!route.public && route.notice) codes.add('NOTICE_NOT_ACCEPTED');
  // Public routes are throttled per client before the function runs (locally the runtime's token bucket).
  if (route.public) codes.add('RATE_LIMITED');
  if (route.headers || route.query) codes.add('VALIDATION_FAILED');
  if (route.body) for (const code of ['UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED'] as const) codes.add(code);
  if (route.binaryBody) codes.add('UNSUPPORTED_MEDIA_TYPE');
  if (route.params) codes.add('NOT_FOUND');
  for (const code of route.problems ?? []) codes.add(code);
  // Any route may meet a throttled or timed-out dependency (shared/http/middleware.ts).
  codes.add('SERVICE_UNAVAILABLE');
  return [...codes];
}

const mediaType = (event: HttpEvent) => (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

function successResponse(route: RouteDecl, reply: { status: number; body?: unknown; headers?: Record<string, string> }): HttpResult {
  const declared: ResponseDecl | undefined = route.responses?.[reply.status as SuccessStatus];
  // A reply the declaration does not know is a bug of the handler (its type forbids it): fail loudly, as a 500.
  if (!declared) throw new Error(`${route.method} ${route.path} answered undeclared status ${reply.status}`);
  const headers: Record<string, string> = { ...BASE_HEADERS, ...(route.browserRedirect ? { vary: 'accept' } : {}), ...reply.headers };
  if (declared.raw) {
    const contentType = { 'content-type': declared.contentType ?? 'application/octet-stream' };
    return declared.raw === 'binary'
      ? { statusCode: reply.status, headers: { ...contentType, ...headers }, body: (reply.body as Buffer).toString('base64'), isBase64Encoded: true }
      : { statusCode: reply.status, headers: { ...contentType, ...headers }, body: reply.body as string };
  }
  if (!declared.body) return { statusCode: reply.status, headers };
  return {
    statusCode: reply.status,
    headers: { 'content-type': `${declared.contentType ?? 'application/json'}; charset=utf-8`, ...headers },
    body: JSON.stringify(reply.body),
  };
}

/** Path parameters against the route's schema; a miss is the 404 of the first failing parameter's message. */
function pathParameters(route: RouteDecl, event: HttpEvent): unknown {
  if (!route.params) return {};
  const result = route.params.safeParse({ ...event.pathParameters });
  if (result.success) return result.data;
  throw problem('NOT_FOUND', result.error.issues[0]?.message ?? '未找到');
}

export function routeHandler<R extends RouteDecl>(route: R, fn: NoInfer<RouteFn<R>>) {
  return httpHandler(async (event, context) => {
    if (route.browserRedirect && prefersHtml(event.headers?.accept)) {
      return {
        statusCode: 302,
        headers: {
          ...BASE_HEADERS,
          location: route.browserRedirect({
            params: { ...event.pathParameters },
            lang: prefersEnglish(event.headers?.['accept-language']) ? 'en' : 'zh',
          }),
          vary: 'accept, accept-language',
        },
        body: '',
      };
    }
    let holder: Holder | undefined;
    if (!route.public) holder = route.notice ? await authenticateWithNotice(event) : await authenticate(event);
    const headers = route.headers ? validate(route.headers, { ...event.headers }) : {};
    const query = route.query ? validate(route.query, { ...event.queryStringParameters }) : {};
    let body: unknown;
    if (route.body) body = parseJsonBody(event, route.body);
    else if (route.binaryBody) {
      if (mediaType(event) !== route.binaryBody) throw problem('UNSUPPORTED_MEDIA_TYPE', `请求内容类型应为 ${route.binaryBody}`);
      body = rawBody(event);
    }
    const params = pathParameters(route, event);
    const input = { holder, params, query, headers, body, now: new Date(), event, context } as RouteInput<R>;
    return successResponse(route, (await fn(input)) as { status: number; body?: unknown; headers?: Record<string, string> });
  });
}
