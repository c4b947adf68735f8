import { createHmac } from 'node:crypto';
import type { IdType } from './identity';

/**
 * The keyed hash through which ID numbers are looked up, so that no key or index holds one in clear. The key is a
 * secret (Secrets Manager / local data folder); without it the hash cannot be brute-forced over the small ID space.
 */
export function idHash(key: string, idType: IdType, normalizedIdNumber: string): string {
  return createHmac('sha256', key).update(`${idType}:${normalizedIdNumber}`).digest('base64url');
}
