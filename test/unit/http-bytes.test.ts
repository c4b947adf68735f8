import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpBytes, ResponseTooLargeError } from '../../shared/signing/http-bytes';

/** The seal's HTTP client (shared/signing/http-bytes.ts) against a real local server. */
let server: Server | undefined;

async function serve(handler: (req: IncomingMessage, res: ServerResponse, requestOnSocket: number) => void): Promise<string> {
  const perSocket = new WeakMap<Socket, number>();
  server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/tsa`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('httpBytes', () => {
  it('POSTs the bytes with their type and length, and answers the status and the whole body', async () => {
    // Prepare
    const seen: Array<{ method?: string; type?: string; length?: string; body: Buffer }> = [];
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body: Buffer.concat(chunks) });
        res.writeHead(201).end(Buffer.alloc(70_000, 9));
      });
    });

    // Act
    const answer = await httpBytes(url, { method: 'POST', contentType: 'application/timestamp-query', body: Buffer.from([1, 2, 3]), timeoutMs: 5000, maxBytes: 100_000 });

    // Assess
    expect(seen).toEqual([{ method: 'POST', type: 'application/timestamp-query', length: '3', body: Buffer.from([1, 2, 3]) }]);
    expect(answer.status).toBe(201);
    expect(answer.body.equals(Buffer.alloc(70_000, 9))).toBe(true);
  });

  it('refuses an answer larger than maxBytes', async () => {
    const url = await serve((_req, res) => res.end(Buffer.alloc(50_000)));
    await expect(httpBytes(url, { timeoutMs: 5000, maxBytes: 10_000 })).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('sends the request again on a new connection when a kept-alive one was reset, once', async () => {
    // Prepare: the second request on any connection has it torn down unanswered, as a server that closed it while idle.
    let answered = 0;
    const url = await serve((req, res, n) => {
      if (n === 2) return req.socket.destroy();
      answered++;
      res.end('ok');
    });
    await httpBytes(url, { timeoutMs: 5000, maxBytes: 100 });

    // Act: goes out on the kept-alive connection, which is reset.
    const answer = await httpBytes(url, { timeoutMs: 5000, maxBytes: 100 });

    // Assess
    expect(answer.body.toString()).toBe('ok');
    expect(answered).toBe(2);
  });

  it('gives up when the server does not answer within timeoutMs', async () => {
    const url = await serve(() => undefined);
    await expect(httpBytes(url, { timeoutMs: 200, maxBytes: 100 })).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) });
  });

  it('refuses a URL that is not HTTP', async () => {
    await expect(httpBytes('ftp://127.0.0.1/x', { timeoutMs: 200, maxBytes: 100 })).rejects.toThrow(/not an HTTP URL/);
  });
});
