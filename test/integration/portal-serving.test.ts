import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { CACHE_CONTROL, CONTENT_SECURITY_POLICY, PORTAL_SECURITY_HEADERS } from '../../shared/resources/portal';
import { PORTAL_DIST_DIR, readBuildInfo, type BuildInfo } from '../../portal/build/build';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord } from '../support/factories';
import { readyHolder } from '../support/holder-client';

// The portal on the local API's origin (the runtime's staticFiles hook), and the QR link's content negotiation.
let stack: TestStack;
let info: BuildInfo;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

beforeAll(async () => {
  stack = await startTestStack({ portalDir: PORTAL_DIST_DIR, pollIdleDelayMs: 20 });
  info = (await readBuildInfo())!;
});

afterAll(async () => {
  await stack?.stop();
});

const assetOf = (pattern: RegExp) => Object.keys(info.files).find((path) => pattern.test(path))!;

function expectSecurityHeaders(response: Response) {
  for (const [name, value] of Object.entries(PORTAL_SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
}

describe('the portal on the local stack', () => {
  it('serves index.html at / with the security headers, revalidated on every load', async () => {
    const response = await stack.api('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(CACHE_CONTROL.html);
    expectSecurityHeaders(response);
    const html = await response.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('has a strict CSP: no inline script or style, nothing from other origins, no framing', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:/);
  });

  it('answers the portal routes (deep links) with index.html, unknown files with 404', async () => {
    for (const path of ['/verify?code=abc', '/certificates/Z2023110500123', '/login', '/no/such/page']) {
      const response = await stack.api(path);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain('<main id="main"');
    }
    const missing = await stack.api('/assets/app-missing.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(missing);
    expect((await stack.api('/../package.json')).status).not.toBe(200);
    expect((await stack.api('/%2e%2e/package.json')).status).toBe(404);
  });

  it('serves hashed assets as immutable with their content types, compressed when asked', async () => {
    const cases: [RegExp, string][] = [
      [/^assets\/app-.*\.js$/, 'text/javascript; charset=utf-8'],
      [/^assets\/styles-.*\.css$/, 'text/css; charset=utf-8'],
      [/^assets\/rare-chars-.*\.json$/, 'application/json; charset=utf-8'],
      [/^assets\/fonts\/.*\.woff2$/, 'font/woff2'],
    ];
    for (const [pattern, type] of cases) {
      const path = assetOf(pattern);
      const response = await stack.api(`/${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
      expect(response.headers.get('cache-control'), path).toBe(CACHE_CONTROL.immutable);
      expectSecurityHeaders(response);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(await readFile(join(PORTAL_DIST_DIR, path))), path).toBe(true);
    }
    const etag = (await stack.api('/')).headers.get('etag')!;
    expect((await stack.api('/', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('leaves API paths to the API: unknown ones are problem+json, not the portal', async () => {
    const unknown = await stack.api('/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(((await (await stack.api('/openapi.json')).json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
    const post = await stack.api('/', { method: 'POST' });
    expect(post.status).toBe(404);
  });
});

describe('GET /v1/verify/{code} content negotiation', () => {
  let code: string;
  beforeAll(async () => {
    const record = certificateRecord();
    await upsertCertificate(record, await getSecret('idHashKey'));
    const holder = await readyHolder(stack, { name: record.holderName, idNumber: record.idNumber });
    const applied = (await (
      await holder.post(`/v1/certificates/${record.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 })
    ).json()) as { annotationId: string };
    for (let i = 0; ; i++) {
      const body = (await (await holder.get(`/v1/certificates/${record.certId}/annotations/${applied.annotationId}`)).json()) as {
        status: string;
        verificationCode?: string;
      };
      if (body.status === 'READY') {
        code = body.verificationCode!;
        break;
      }
      if (i > 400) throw new Error(`annotation stayed ${body.status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('redirects a browser (Accept prefers text/html) to the portal verification page on the same origin', async () => {
    const response = await stack.api(`/v1/verify/${code}`, { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/verify?code=${code}`);
    expect(response.headers.get('vary')).toMatch(/accept/i);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const landing = await stack.api(response.headers.get('location')!);
    expect(await landing.text()).toContain('<main id="main"');
  });

  it('keeps answering API clients with the Verification JSON', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const response = await stack.api(`/v1/verify/${code}`, accept ? { headers: { accept } } : {});
      expect(response.status, String(accept)).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('vary')).toMatch(/accept/i);
      expect(await response.json()).toMatchObject({ valid: true });
    }
    const unknown = await stack.api('/v1/verify/AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
  });

  it('redirects browsers for unknown codes too: the page says nothing was found', async () => {
    const response = await stack.api('/v1/verify/not-a-code', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/verify?code=not-a-code');
  });
});
