import { gunzipSync, gzipSync } from 'node:zlib';
import { VC_CONTEXT, type CredentialIssuer } from './credential';

/**
 * W3C Bitstring Status List v1.0: one bit per issued credential (1 = revoked), GZIP-compressed, base64url with the
 * multibase prefix `u`, inside a status list credential the stack signs and publishes at
 * `GET /v1/credentials/status/{listId}`. 131,072 entries per list — the specification's minimum, so that one
 * credential's index says little about who holds it.
 */
export const STATUS_LIST_SIZE = 131_072;
export const STATUS_LIST_CREDENTIAL_DAYS = 7;

/** index i is bit (7 - i % 8) of byte i / 8: the first index is the left-most bit (§4.1). */
export function encodeStatusList(revoked: Iterable<number>, size = STATUS_LIST_SIZE): string {
  const bits = Buffer.alloc(size / 8);
  for (const index of revoked) {
    if (index >= 0 && index < size) bits[index >> 3]! |= 0x80 >> (index & 7);
  }
  return `u${gzipSync(bits).toString('base64url')}`;
}

export function isRevoked(encodedList: string, index: number): boolean {
  if (!encodedList.startsWith('u')) throw new Error('encodedList is not multibase base64url');
  const bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

export function statusListCredential(options: {
  listUrl: string;
  issuer: CredentialIssuer;
  revoked: Iterable<number>;
  now: Date;
}): object {
  const validUntil = new Date(options.now.getTime() + STATUS_LIST_CREDENTIAL_DAYS * 86_400_000);
  return {
    '@context': [VC_CONTEXT],
    id: options.listUrl,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: { id: options.issuer.id, name: options.issuer.name },
    validFrom: options.now.toISOString(),
    validUntil: validUntil.toISOString(),
    credentialSubject: {
      id: `${options.listUrl}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      // Verifiers may cache the list this long (milliseconds); revocations are published within minutes.
      ttl: 300_000,
      encodedList: encodeStatusList(options.revoked),
    },
  };
}
