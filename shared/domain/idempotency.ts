import { createHash } from 'node:crypto';

/**
 * Idempotency-Key for annotation applications: a client that retries a POST with the same key gets the annotation the
 * first request produced, never a second one (and never a second quota slot).
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** JSON with object keys sorted at every level, so two spellings of the same body hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What makes two requests "the same": the certificate in the path and the (validated) body. Hex SHA-256. */
export function idempotencyRequestHash(certId: string, body: unknown): string {
  return createHash('sha256').update(`${certId}\n${canonicalJson(body)}`, 'utf8').digest('hex');
}
