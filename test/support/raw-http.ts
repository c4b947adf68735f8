import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { ReceivedResponse } from './contract';

/**
 * HTTP without fetch's guard rails: the path goes out byte for byte (no URL normalisation of `..`, `%2F` or `%zz`),
 * headers may repeat and carry Latin-1 bytes, and the body is any bytes with any (or no) content type.
 */
export interface RawRequest {
  method: string;
  /** Path and query exactly as sent (printable ASCII: the HTTP parser refuses other bytes in a request line). */
  path: string;
  /** In order, repeats allowed. */
  headers: Array<[string, string]>;
  body?: Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function rawHttpClient(baseUrl: string, { timeoutMs = 15_000 } = {}) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const send = (req: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      // With headers as a list Node adds no Host header, and an HTTP/1.1 server refuses a request without one.
      const has = (header: string) => req.headers.some(([name]) => name.toLowerCase() === header);
      const headers: Array<[string, string]> = has('host') ? [...req.headers] : [['Host', url.host], ...req.headers];
      // Node frames a GET body with neither Content-Length nor chunked encoding: the server would read it as the next
      // request. Always say how long the body is.
      const body = req.body ? Buffer.from(req.body) : undefined;
      if (body && !has('content-length') && !has('transfer-encoding')) headers.push(['Content-Length', String(body.length)]);
      const flat = headers.flatMap(([name, value]) => [name, value]);
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          headers: flat,
          agent,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/** Writes raw bytes on a fresh connection and returns everything the server sent until it closed (or the timeout). */
export function rawExchange(baseUrl: string, bytes: Uint8Array, timeoutMs = 5_000): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(Buffer.from(bytes)));
    let received = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** A raw exchange in the shape the contract checker (test/support/contract.ts) reads. */
export const received = (request: RawRequest, response: RawResponse): ReceivedResponse => ({
  method: request.method,
  path: request.path,
  status: response.status,
  headers: response.headers,
  body: response.body.toString('utf8'),
});
