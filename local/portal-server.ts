import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cacheControlFor, CONTENT_TYPES, isApiPath, PORTAL_SECURITY_HEADERS } from '../shared/resources/portal';

/**
 * The holder portal on the local API's origin, as CloudFront serves it in the cloud: the `staticFiles` hook of the local
 * HTTP server. API paths are never answered here (they fall through to the API's routes and its problem+json 404).
 *
 * - `/` and every extension-less path (the portal's own routes, e.g. `/verify?code=…`) → index.html
 * - an existing file → that file, with its content type and cache rules (hashed assets immutable, HTML `no-cache`)
 * - any other path with an extension → 404.html, status 404
 * - only GET and HEAD; everything carries the security headers of shared/resources/portal.ts
 */
export type StaticFiles = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

interface Loaded {
  body: Buffer;
  gzip?: Buffer;
  etag: string;
  contentType: string;
}

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);

export function portalStaticFiles(rootDir: string): StaticFiles {
  const root = resolve(rootDir);
  // Files are read once per (path, mtime): a rebuild of the portal is picked up without a restart.
  const cache = new Map<string, { mtimeMs: number; loaded: Loaded }>();

  const load = async (file: string): Promise<Loaded | undefined> => {
    let info;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs) return cached.loaded;
    const body = await readFile(file);
    const extension = extname(file).toLowerCase();
    const loaded: Loaded = {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      ...(COMPRESSIBLE.has(extension) && body.length > 1024 ? { gzip: gzipSync(body) } : {}),
    };
    cache.set(file, { mtimeMs: info.mtimeMs, loaded });
    return loaded;
  };

  return async (request, response) => {
    const method = (request.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname);
    } catch {
      return false;
    }
    if (isApiPath(path) || (method !== 'GET' && method !== 'HEAD')) return false;

    let relative: string;
    let status = 200;
    let file = resolve(root, `.${path}`);
    const inside = file === root || file.startsWith(root + sep);
    if (!inside || path.includes('\0')) {
      relative = '404.html';
      status = 404;
    } else if (path === '/' || !extname(path)) {
      // The portal's routes live in the browser: every extension-less path is the app.
      relative = path === '/' || !(await load(file)) ? 'index.html' : file.slice(root.length + 1);
    } else if (await load(file)) {
      relative = file.slice(root.length + 1).split(sep).join('/');
    } else {
      relative = '404.html';
      status = 404;
    }
    file = join(root, relative);
    const loaded = await load(file);
    if (!loaded) {
      // No build output at all: say how to make one instead of a bare 404.
      response.writeHead(503, { ...PORTAL_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      response.end(method === 'HEAD' ? undefined : 'portal not built: run npm run build:portal\n');
      return true;
    }

    const headers: Record<string, string> = {
      ...PORTAL_SECURITY_HEADERS,
      'content-type': loaded.contentType,
      'cache-control': status === 200 ? cacheControlFor(relative) : 'no-cache',
      etag: loaded.etag,
      vary: 'accept-encoding',
    };
    if (status === 200 && request.headers['if-none-match'] === loaded.etag) {
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    const gzip = loaded.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const body = gzip ? loaded.gzip! : loaded.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(body.length);
    response.writeHead(status, headers);
    response.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}
