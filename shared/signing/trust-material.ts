import { createPublicKey } from 'node:crypto';
import { getStatusList, getStoredCrl } from '../repository/seal-state';
import { issuerOf, statusListUrl } from './pki-publisher';
import { currentIssuingCa, publicBaseUrl } from './sealer';
import { describeName } from './timestamp';

/**
 * What the public trust-material routes answer (functions/api/trust-material.ts), read from the signing-key bundle
 * (public parts only) and the table. Nothing here signs: the publisher and the renders do.
 */
export const caName = (subject: Buffer): string => /O=([^,]+)/.exec(describeName(subject))?.[1] ?? 'ecert';

/** The issuer the credentials name (`issuer.id` dereferences to this). */
export async function issuerDocument(): Promise<Record<string, unknown>> {
  const ca = await currentIssuingCa();
  const base = publicBaseUrl();
  return {
    ...issuerOf(base, caName(ca.certificate.subject)),
    jwks_uri: `${base}/v1/issuer/jwks.json`,
    caCertificate: `${base}/v1/pki/ca.crt`,
    crl: `${base}/v1/pki/crl`,
    statusLists: statusListUrl(base, 0).replace(/0$/, '{listId}'),
    securing: 'VC-JOSE (application/vc+jwt), ES256, x5c chain to the issuing CA in this key set',
  };
}

/** The issuing CA's public key as a JWK with its certificate chain: the trust anchor of every credential's x5c. */
export async function issuerJwks(): Promise<{ keys: Array<Record<string, unknown>> }> {
  const ca = await currentIssuingCa();
  const jwk = createPublicKey({ key: ca.certificate.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return {
    keys: [
      {
        ...jwk,
        kid: ca.fingerprint,
        use: 'sig',
        x5c: [ca.certificate, ...ca.chain].map((c) => c.der.toString('base64')),
        'x5t#S256': Buffer.from(ca.fingerprint, 'hex').toString('base64url'),
      },
    ],
  };
}

/** The CA's current CRL; undefined before the first publication. */
export async function publishedCrl(): Promise<Buffer | undefined> {
  const ca = await currentIssuingCa();
  const stored = await getStoredCrl(ca.fingerprint);
  return stored && stored.der.length > 0 ? stored.der : undefined;
}

export async function publishedStatusList(listId: number): Promise<string | undefined> {
  return (await getStatusList(listId)).credential;
}
