import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Turns a raw HTTP request into the payload-v2 event API Gateway's HTTP API gives a Lambda: lower-cased headers with
 * repeated values joined by commas, cookies split out, raw path and query kept, query parameters decoded, binary
 * bodies base64-encoded, and a requestContext with method, source IP, request id and time.
 */
export interface RawRequest {
  method: string;
  /** Path and query as sent, e.g. `/v1/x?a=1`. */
  url: string;
  /** Node's rawHeaders: [name, value, name, value, ...] */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  host: string;
}

const TEXT_MEDIA_TYPES = [
  /^text\//,
  /^application\/(json|xml|javascript|x-www-form-urlencoded|graphql)$/,
  /\+(json|xml)$/,
];

export function isTextMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return TEXT_MEDIA_TYPES.some((pattern) => pattern.test(mediaType));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's CLF-style time: 22/Nov/2026:07:04:02 +0000 */
export function requestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The Host header without its port; an IPv6 literal keeps its brackets. */
function hostName(host: string): string {
  const ipv6 = /^\[[^\]]*\]/.exec(host);
  if (ipv6) return ipv6[0];
  return host.split(':')[0] || 'localhost';
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

export function toHttpApiEvent(
  request: RawRequest,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  now: Date = new Date(),
): APIGatewayProxyEventV2 {
  const questionMark = request.url.indexOf('?');
  const rawPath = questionMark === -1 ? request.url : request.url.slice(0, questionMark);
  const rawQueryString = questionMark === -1 ? '' : request.url.slice(questionMark + 1);

  // Null-prototype maps: a header or query key named `constructor` or `__proto__` is just a key.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${value}` : value;
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = Object.create(null) as Record<string, string>;
    for (const pair of rawQueryString.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
      queryStringParameters[key] = Object.hasOwn(queryStringParameters, key)
        ? `${queryStringParameters[key]},${value}`
        : value;
    }
  }

  const hasBody = request.body.length > 0;
  const asText = isTextMediaType(headers['content-type']);
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: hostName(request.host),
      domainPrefix: 'local',
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !asText,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (route.pathParameters && Object.keys(route.pathParameters).length > 0) event.pathParameters = route.pathParameters;
  if (hasBody) event.body = asText ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}
