import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { compileRoutes, matchRoute, type RouteDecl } from '../shared/resources/routes';
import type { FunctionDecl } from '../shared/resources/functions';
import { problem, type HttpProblem } from '../shared/http/problem';
import { BASE_HEADERS } from '../shared/http/response';
import { toHttpApiEvent } from './http-event';
import { invokeWithTimeout, lambdaContext, FunctionTimeoutError } from './lambda-context';
import type { HandlerLoader } from './handlers';
import { ClientRateLimiter, type RateLimit } from './rate-limit';

/** API Gateway's HTTP API payload limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface LocalHttpApiOptions {
  routes: readonly RouteDecl[];
  functions: Record<string, FunctionDecl>;
  defaultFunction: FunctionDecl;
  loadHandler: HandlerLoader;
  publicRateLimit: RateLimit;
  /** Extra handler for non-API paths (the portal's static files), tried before the $default route. */
  staticFiles?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  log: (line: string) => void;
}

function sendProblem(response: ServerResponse, error: HttpProblem): void {
  response.writeHead(error.status, {
    ...BASE_HEADERS,
    'content-type': 'application/problem+json; charset=utf-8',
    ...error.headers,
  });
  response.end(JSON.stringify(error.toBody()));
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** API Gateway accepts a bare value from a v2 handler and wraps it as a 200 JSON response. */
function normalizeResult(result: unknown): APIGatewayProxyStructuredResultV2 {
  if (result && typeof result === 'object' && 'statusCode' in result) return result as APIGatewayProxyStructuredResultV2;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof result === 'string' ? result : JSON.stringify(result),
  };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  if (result.body === undefined) return void response.end();
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

export function createLocalHttpApi(options: LocalHttpApiOptions): Server {
  const routes = compileRoutes(options.routes);
  const limiter = new ClientRateLimiter(options.publicRateLimit);

  const server = createServer(async (request, response) => {
    const started = performance.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const sourceIp = request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    let status = 0;
    let routeKey = '-';
    try {
      const path = url.split('?')[0]!;
      const match = matchRoute(routes, method, path);
      if (match.kind !== 'found' && options.staticFiles && (await options.staticFiles(request, response))) {
        status = response.statusCode;
        routeKey = 'static';
        return;
      }
      const route = match.kind === 'found' ? match.route : undefined;
      const fn = route ? options.functions[route.fn] : options.defaultFunction;
      if (!fn) throw new Error(`route ${route?.routeKey} names unknown function ${route?.fn}`);
      routeKey = route?.routeKey ?? '$default';

      if (route?.public) {
        const retryAfter = limiter.take(sourceIp);
        if (retryAfter > 0) {
          status = 429;
          request.resume();
          return sendProblem(response, problem('RATE_LIMITED', undefined, {}, { 'retry-after': String(retryAfter) }));
        }
      }
      let body: Buffer | 'too-large';
      try {
        body = await readBody(request);
      } catch (error) {
        // The client went away, or the HTTP parser refused the body half-way (Node answers that itself): a client
        // error, not an integration failure. API Gateway would never have invoked the function.
        status = 400;
        options.log(`client error on ${routeKey}: request body not received (${(error as Error).message})`);
        if (!response.headersSent) sendProblem(response, problem('MALFORMED_REQUEST', '请求内容不完整'));
        return;
      }
      if (body === 'too-large') {
        status = 413;
        return sendProblem(response, problem('PAYLOAD_TOO_LARGE', '请求内容不能超过10MB'));
      }
      const event = toHttpApiEvent(
        { method, url, rawHeaders: request.rawHeaders, body, sourceIp, host: request.headers.host ?? 'localhost' },
        { routeKey, ...(match.kind === 'found' ? { pathParameters: match.pathParameters } : {}) },
      );
      const handler = await options.loadHandler(fn);
      const result = normalizeResult(
        await invokeWithTimeout(fn, () => handler(event, lambdaContext(fn, event.requestContext.requestId))),
      );
      status = result.statusCode ?? 200;
      writeResult(response, result);
    } catch (error) {
      // What API Gateway does when the integration fails: the handler's own error boundary did not answer.
      status = error instanceof FunctionTimeoutError ? 503 : 500;
      options.log(`integration error on ${routeKey}: ${(error as Error).name}: ${(error as Error).message}`);
      if (!response.headersSent) {
        sendProblem(
          response,
          status === 503 ? problem('SERVICE_UNAVAILABLE', '服务超时，请稍后重试') : problem('INTERNAL', '服务内部错误，请稍后重试'),
        );
      } else response.end();
    } finally {
      // Access log like the stage's: method, route, status, latency — never headers, bodies or query strings.
      options.log(`${routeKey.includes(' ') ? routeKey : `${method} ${routeKey}`} ${status} ${(performance.now() - started).toFixed(1)}ms`);
    }
  });
  server.keepAliveTimeout = 5000;
  return server;
}
