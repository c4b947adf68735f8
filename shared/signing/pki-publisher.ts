import { signCredential, type CredentialIssuer } from '../credentials/credential';
import { statusListCredential } from '../credentials/status-list';
import { getStatusList, getStoredCrl, putCrl, putStatusListCredential, statusListCount } from '../repository/seal-state';
import type { IssuingCa } from './issuing-ca';
import type { SealKey } from './seal-key';
import { issueCrl } from './x509';

/**
 * What the stack publishes for verifiers, kept fresh by the PkiPublisher job (and by a render that finds the CRL
 * missing or old): the issuing CA's CRL — the revocation data a PAdES B-LT document carries in its DSS — and the
 * signed Bitstring Status List credentials.
 */
export const CRL_VALIDITY_MS = 24 * 3600_000;
/** A CRL with less than this left is replaced (the publisher runs far more often). */
export const CRL_REFRESH_BEFORE_MS = 18 * 3600_000;
/** A status list credential is re-signed this often even without a revocation (its validUntil is days ahead). */
export const STATUS_LIST_REFRESH_MS = 24 * 3600_000;

export const statusListUrl = (publicBaseUrl: string, listId: number): string =>
  `${publicBaseUrl.replace(/\/+$/, '')}/v1/credentials/status/${listId}`;

export const issuerOf = (publicBaseUrl: string, name: string): CredentialIssuer => ({
  id: `${publicBaseUrl.replace(/\/+$/, '')}/v1/issuer`,
  name,
});

/** The CA's CRL: the stored one while it is fresh and complete, otherwise a new one signed now (one CA signature). */
export async function currentCrl(ca: IssuingCa, now: Date = new Date()): Promise<Buffer> {
  const stored = await getStoredCrl(ca.fingerprint);
  const fresh =
    stored && stored.der.length > 0 && stored.builtFrom === stored.revision && stored.nextUpdate.getTime() - now.getTime() > CRL_REFRESH_BEFORE_MS;
  if (fresh) return stored.der;
  return publishCrl(ca, now);
}

export async function publishCrl(ca: IssuingCa, now: Date = new Date()): Promise<Buffer> {
  const stored = await getStoredCrl(ca.fingerprint);
  const revision = stored?.revision ?? 0;
  // Monotonic across publishers: seconds since the epoch, and never less than the stored number + 1.
  const crlNumber = [BigInt(Math.floor(now.getTime() / 1000)), (stored?.crlNumber ?? 0n) + 1n].reduce((a, b) => (a > b ? a : b));
  const thisUpdate = new Date(now.getTime() - 60_000);
  const nextUpdate = new Date(now.getTime() + CRL_VALIDITY_MS);
  const der = await issueCrl(
    {
      issuer: ca.certificate,
      thisUpdate,
      nextUpdate,
      crlNumber,
      revoked: Object.entries(stored?.revoked ?? {}).map(([serial, at]) => ({ serial: Buffer.from(serial, 'hex'), revokedAt: new Date(at) })),
    },
    ca.signer,
  );
  if (await putCrl(ca.fingerprint, { der, crlNumber, thisUpdate, nextUpdate, builtFrom: revision })) return der;
  // Another publisher stored a newer CRL meanwhile: use that one.
  return (await getStoredCrl(ca.fingerprint))?.der ?? der;
}

/** Signs every status list whose revocations changed (or whose credential is old). Returns how many it signed. */
export async function publishStatusLists(key: SealKey, publicBaseUrl: string, issuerName: string, now: Date = new Date()): Promise<number> {
  const count = await statusListCount();
  let signed = 0;
  for (let listId = 0; listId < count; listId++) {
    const list = await getStatusList(listId);
    const stale = !list.publishedAt || now.getTime() - Date.parse(list.publishedAt) > STATUS_LIST_REFRESH_MS;
    if (list.credential && list.publishedRevision >= list.revision && !stale) continue;
    const credential = statusListCredential({
      listUrl: statusListUrl(publicBaseUrl, listId),
      issuer: issuerOf(publicBaseUrl, issuerName),
      revoked: list.revoked,
      now,
    });
    const jwt = signCredential(credential, {
      privateKey: key.privateKey,
      chain: [key.certificate.der, ...key.credential.chain.map((c) => c.der)],
      kid: key.fingerprint,
    });
    if (await putStatusListCredential(listId, jwt, list.revision, now)) signed++;
  }
  return signed;
}
