import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SignerCredential } from './cades';
import { fingerprintOf, type IssuingCa } from './issuing-ca';
import { describeName } from './timestamp';
import { issueCertificate, keySigner, parseCertificate, type ParsedCertificate } from './x509';

/**
 * The key a render container signs with: an ECDSA P-256 key made in memory when the container starts and never
 * stored anywhere, with a certificate for a few hours from the issuing CA — one CA signature (one kms:Sign in the
 * cloud) per container and per renewal, not per PDF (docs/signing.md: cost).
 */
export interface SealKey {
  /** SHA-256 of the container certificate: what the verification record stores as `signerFingerprint`. */
  fingerprint: string;
  credential: SignerCredential;
  privateKey: KeyObject;
  certificate: ParsedCertificate;
  ca: IssuingCa;
}

/** How long a container certificate lives, and how long before its end a container asks for a new one. */
export const SEAL_CERTIFICATE_HOURS = 8;
export const SEAL_RENEW_BEFORE_MS = 60 * 60_000;

export interface SealKeyOptions {
  /** Public origin of the service: the certificate names the CRL and the CA certificate under it. */
  publicBaseUrl: string;
  now?: Date;
  hours?: number;
}

export async function issueSealKey(ca: IssuingCa, options: SealKeyOptions): Promise<SealKey> {
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const organization = /O=([^,]+)/.exec(describeName(ca.certificate.subject))?.[1] ?? 'ecert';
  const der = await issueCertificate(
    {
      subject: [['C', 'CN'], ['O', organization], ['CN', 'ecert 电子证书签章']],
      issuer: ca.certificate,
      publicKey,
      // A few minutes back: a verifier whose clock is slightly behind still sees a certificate already valid.
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + (options.hours ?? SEAL_CERTIFICATE_HOURS) * 3600_000),
      kind: 'document-signer',
      crlUrl: `${base}/v1/pki/crl`,
      issuerCertificateUrl: `${base}/v1/pki/ca.crt`,
    },
    ca.signer,
  );
  const certificate = parseCertificate(der);
  return {
    fingerprint: fingerprintOf(der),
    credential: { certificate, chain: [ca.certificate, ...ca.chain], signer: keySigner(privateKey) },
    privateKey,
    certificate,
    ca,
  };
}

/**
 * The current SealKey of a container. It re-reads the CA bundle every `recheckMs` (a warm container picks up a
 * rotated CA without a cold start) and gets a new key and certificate when the CA changed or the certificate is
 * about to end. Concurrent callers share one issuance.
 */
export function sealKeySource(options: {
  loadCa: () => Promise<IssuingCa>;
  publicBaseUrl: () => string;
  recheckMs?: number;
  now?: () => Date;
}): { current(): Promise<SealKey>; reset(): void } {
  const recheckMs = options.recheckMs ?? 5 * 60_000;
  const now = options.now ?? (() => new Date());
  let key: SealKey | undefined;
  let checkedAt = 0;
  let pending: Promise<SealKey> | undefined;

  const refresh = async (): Promise<SealKey> => {
    const at = now();
    const ca = await options.loadCa();
    checkedAt = at.getTime();
    const fresh = key && key.ca.fingerprint === ca.fingerprint && key.certificate.notAfter.getTime() - at.getTime() > SEAL_RENEW_BEFORE_MS;
    if (!fresh) key = await issueSealKey(ca, { publicBaseUrl: options.publicBaseUrl(), now: at });
    return key!;
  };

  return {
    current() {
      const at = now().getTime();
      const expiring = key && key.certificate.notAfter.getTime() - at <= SEAL_RENEW_BEFORE_MS;
      if (key && !expiring && at - checkedAt < recheckMs) return Promise.resolve(key);
      pending ??= refresh().finally(() => (pending = undefined));
      return pending;
    },
    reset() {
      key = undefined;
      checkedAt = 0;
    },
  };
}
