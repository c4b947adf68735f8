/**
 * The holder portal as served: which paths belong to the API, the security headers and the cache rules. The local
 * static server (local/portal-server.ts) and the CloudFront distribution (infra/constructs/portal.ts) both read
 * them, so the headers a browser sees locally are the ones it sees in the cloud.
 */

/** Build output of `portal/build/main.ts`, relative to the repository root. */
export const PORTAL_DIST = 'portal/dist';

/** Hashed, immutable files live under this prefix of the build output (and of the bucket). */
export const PORTAL_ASSET_PREFIX = 'assets/';

/** Paths routed to the HTTP API (CloudFront path patterns); everything else is the portal. */
export const API_PATH_PATTERNS = ['/v1/*', '/openapi.json'] as const;

export const isApiPath = (path: string): boolean => path === '/v1' || path.startsWith('/v1/') || path === '/openapi.json';

/** The portal's page for the result of one verification code: what the QR code on a PDF ends up showing. */
export const portalVerifyPath = (code: string): string => `/verify?code=${encodeURIComponent(code)}`;

/**
 * Content-Security-Policy: every script, style, font and request from the portal's own origin (the API is on the same
 * origin), no inline script or style, no plugins, no framing. Downloads and the PDF preview are navigations to
 * presigned S3 links, which CSP does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Verification codes travel in the portal's URLs: no referrer leaves the site. */
export const REFERRER_POLICY = 'no-referrer';

export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=()';

/** Headers on every portal response, locally and through CloudFront (which adds HSTS, being HTTPS only). */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': REFERRER_POLICY,
  'x-frame-options': 'DENY',
  'permissions-policy': PERMISSIONS_POLICY,
  'cross-origin-opener-policy': 'same-origin',
};

/** HSTS in the cloud (two years); not sent by the local http:// server, where it would mean nothing. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** Cache-Control of the build output: hashed assets forever, the HTML entry points revalidated on every load. */
export const CACHE_CONTROL = {
  immutable: 'public, max-age=31536000, immutable',
  html: 'no-cache',
} as const;

export const cacheControlFor = (relativePath: string): string =>
  relativePath.startsWith(PORTAL_ASSET_PREFIX) ? CACHE_CONTROL.immutable : CACHE_CONTROL.html;

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.webmanifest': 'application/manifest+json',
};
