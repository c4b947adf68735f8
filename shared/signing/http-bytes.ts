import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * One HTTP exchange of bytes for the seal's outside parties — the TSA's POST per render, and the certificates and CRLs
 * the validation data names — over node:http with kept-alive connections. Not `fetch`: its WHATWG streams cost about
 * three times the CPU per request (0.64 → 0.21 ms measured on this project's VM for a 3 KB answer), paid once per
 * PDF inside the render container.
 */
export interface BytesResponse {
  status: number;
  /** A 2xx status. */
  ok: boolean;
  body: Buffer;
}

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

export interface BytesRequest {
  method?: 'GET' | 'POST';
  contentType?: string;
  body?: Uint8Array;
  timeoutMs: number;
  maxBytes: number;
}

/**
 * A kept-alive connection the server closed while idle (a Lambda container thawed after minutes) fails the first
 * write with ECONNRESET: that request is sent once more on a new connection. Both requests made here are safe to
 * repeat — a GET, and a timestamp query whose nonce the answer must echo.
 */
export function httpBytes(url: string, options: BytesRequest): Promise<BytesResponse> {
  return exchange(url, options).catch((error: Error & { code?: string; reusedSocket?: boolean }) => {
    if (error.reusedSocket && error.code === 'ECONNRESET') return exchange(url, options);
    throw error;
  });
}

function exchange(url: string, options: BytesRequest): Promise<BytesResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error(`not an HTTP URL: ${target.protocol}`));
  const [send, agent] = target.protocol === 'https:' ? [httpsRequest, httpsAgent] : [httpRequest, httpAgent];
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.body) headers['content-length'] = options.body.byteLength;
    const req = send(
      target,
      { method: options.method ?? 'GET', headers, agent, signal: AbortSignal.timeout(options.timeoutMs) },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy(new ResponseTooLargeError(`the answer is larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status <= 299, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(options.body);
  });
}
