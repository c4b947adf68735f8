import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateTsaMaterial, loadTsa, type TsaMaterial } from '../shared/signing/timestamp-responder';

/**
 * The local stack's RFC 3161 time-stamping authority (what a qualified TSA is in production): the responder of
 * shared/signing/timestamp-responder.ts over HTTP — `POST /` with application/timestamp-query answers
 * application/timestamp-reply — plus its root certificate (`GET /root.crt`) and the root's CRL (`GET /crl`), which
 * the TSA certificate names so a render can put them in the document's DSS. Its keys are kept in the data folder.
 */
export interface LocalTsa {
  url: string;
  stop(): Promise<void>;
}

const MAX_REQUEST_BYTES = 4096;

async function material(dir: string, port: number, host: string): Promise<TsaMaterial> {
  const file = join(dir, 'tsa.json');
  const crlUrl = `http://${host}:${port}/crl`;
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as TsaMaterial & { crlUrl?: string };
    if (stored.crlUrl === crlUrl) return stored;
  } catch {
    // none yet, or unreadable: make one.
  }
  // The TSA certificate names the CRL's URL, which has the port in it: a new port, a new TSA PKI.
  const fresh = await generateTsaMaterial({ crlUrl, rootUrl: `http://${host}:${port}/root.crt` });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify({ ...fresh, crlUrl }), { mode: 0o600 });
  return fresh;
}

export async function startLocalTsa(options: { dataDir: string; host: string; port: number }): Promise<LocalTsa> {
  const server: Server = createServer();
  // Listen first (port 0 picks one), then make the PKI that names the URL.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const tsa = await loadTsa(await material(join(options.dataDir, 'tsa'), port, options.host));
  server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        if (request.method === 'GET' && request.url === '/crl') {
          response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(await tsa.crl());
        } else if (request.method === 'GET' && request.url === '/root.crt') {
          response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(tsa.root.der);
        } else if (request.method === 'POST' && size <= MAX_REQUEST_BYTES) {
          const reply = await tsa.responder.respond(Buffer.concat(chunks));
          response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
        } else {
          response.writeHead(request.method === 'POST' ? 413 : 404).end();
        }
      })().catch(() => response.writeHead(500).end());
    });
  });
  return {
    url: `http://${options.host}:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
