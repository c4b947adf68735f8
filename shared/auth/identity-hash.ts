import { createHmac } from 'node:crypto';
import { getSecret } from '../config/secrets';
import { idHash } from '../domain/id-hash';
import type { IdType } from '../domain/identity';

/** The lookup hash of an (already normalised) ID number, with the stack's key. */
export async function hashIdentity(idType: IdType, normalizedIdNumber: string): Promise<string> {
  return idHash(await getSecret('idHashKey'), idType, normalizedIdNumber);
}

/** The keyed hash a request's source is counted under (its address never reaches the table). */
export async function hashSource(sourceUnit: string): Promise<string> {
  return createHmac('sha256', await getSecret('idHashKey')).update(`source:${sourceUnit}`).digest('base64url');
}
