import { getSecret } from '../config/secrets';
import { idHash } from '../domain/id-hash';
import type { IdType } from '../domain/identity';

/** The lookup hash of an (already normalised) ID number, with the stack's key. */
export async function hashIdentity(idType: IdType, normalizedIdNumber: string): Promise<string> {
  return idHash(await getSecret('idHashKey'), idType, normalizedIdNumber);
}
