import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { kms } from '../aws/clients';
import { TransientSigningError } from './timestamp';
import {
  certificatePublicKey,
  derOfPem,
  issueCertificate,
  keySigner,
  parseCertificate,
  pemOf,
  signatureAlgorithmOf,
  type NamePart,
  type ParsedCertificate,
  type RawSigner,
  type SignatureAlgorithm,
} from './x509';

/**
 * The seal's issuing CA: the one long-lived key of the design (docs/signing.md). In the cloud it is an asymmetric KMS
 * key — the private key never leaves KMS — and each render container asks it, once, to certify an ephemeral key for a
 * few hours; it also signs the CRL. Locally the same interface runs over a file key. What is stored (the
 * signing-key secret in the cloud, `<data-dir>/secrets/signing-key.json` locally) is a bundle:
 *
 *   cloud:  {"kmsKeyId": "arn:aws:kms:…", "certificatePem": "<CA certificate>", "chainPem": ["<issuer of it>", …]}
 *   local:  {"privateKeyPem": "<CA key>",   "certificatePem": "<CA certificate>", "chainPem": […]}
 *
 * The CA certificate is self-signed (the stack and `npm start` make one) or issued by an operator's CA.
 */
export interface IssuingCaBundle {
  certificatePem: string;
  chainPem?: string[];
  kmsKeyId?: string;
  privateKeyPem?: string;
}

export interface IssuingCa {
  certificate: ParsedCertificate;
  /** Certificates above the CA (intermediates, a root), nearest first; empty for a self-signed CA. */
  chain: ParsedCertificate[];
  signer: RawSigner;
  /** SHA-256 of the CA certificate, hex: a rotated CA (new certificate or new key) has a new fingerprint. */
  fingerprint: string;
  /** Where the key is: `kms:<key id>` or `file`. */
  keyLocation: string;
}

export class IssuingCaError extends Error {
  override name = 'IssuingCaError';
}

export const fingerprintOf = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');

/** A KMS asymmetric key as a signer: one kms:Sign on the SHA-256 digest (MessageType DIGEST) per call. */
export function kmsSigner(keyId: string, algorithm: SignatureAlgorithm): RawSigner {
  return {
    algorithm,
    async sign(data) {
      const digest = createHash('sha256').update(data).digest();
      try {
        const out = await kms().send(new SignCommand({ KeyId: keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: algorithm }));
        if (!out.Signature) throw new Error('KMS returned no signature');
        return Buffer.from(out.Signature);
      } catch (error) {
        // Throttling, a network blip, even a missing grant after a deployment: retry, never fail the annotation.
        throw new TransientSigningError(`KMS Sign failed: ${(error as Error).name}`);
      }
    },
  };
}

export function loadIssuingCa(json: string, options: { allowFileKey: boolean }): IssuingCa {
  let bundle: IssuingCaBundle;
  try {
    bundle = JSON.parse(json) as IssuingCaBundle;
  } catch {
    throw new IssuingCaError('the signing-key bundle is not JSON: run `ecert signing-key init`');
  }
  if (typeof bundle.certificatePem !== 'string') {
    throw new IssuingCaError('the signing-key bundle has no CA certificate: run `ecert signing-key init`');
  }
  const certificate = parseCertificate(derOfPem(bundle.certificatePem));
  const chain = (bundle.chainPem ?? []).map((pem) => parseCertificate(derOfPem(pem)));
  const publicKey = certificatePublicKey(certificate);
  const algorithm = signatureAlgorithmOf(publicKey);
  let signer: RawSigner;
  let keyLocation: string;
  if (bundle.kmsKeyId) {
    signer = kmsSigner(bundle.kmsKeyId, algorithm);
    keyLocation = `kms:${bundle.kmsKeyId}`;
  } else if (bundle.privateKeyPem) {
    // A private key in a stored bundle is exactly what the KMS design removes: only the local stack may use one.
    if (!options.allowFileKey) throw new IssuingCaError('the cloud bundle holds a private key: the CA key must be a KMS key (kmsKeyId)');
    const privateKey = createPrivateKey(bundle.privateKeyPem);
    if (!publicKey.equals(createPublicKey(privateKey))) throw new IssuingCaError('the CA certificate does not belong to the key');
    signer = keySigner(privateKey);
    keyLocation = 'file';
  } else {
    throw new IssuingCaError('the signing-key bundle names no CA key (kmsKeyId or privateKeyPem)');
  }
  return { certificate, chain, signer, fingerprint: fingerprintOf(certificate.der), keyLocation };
}

export const CA_COMMON_NAME = 'ecert 电子证书签章 签发CA';

/** A self-signed issuing-CA certificate for a key held by `signer` (a KMS key or a file key), valid for years. */
export async function selfSignedCaCertificate(options: {
  publicKey: KeyObject;
  signer: RawSigner;
  organization: string;
  years?: number;
  now?: Date;
}): Promise<Buffer> {
  const now = options.now ?? new Date();
  const subject: NamePart[] = [['C', 'CN'], ['O', options.organization], ['CN', CA_COMMON_NAME]];
  return issueCertificate(
    {
      subject,
      publicKey: options.publicKey,
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + (options.years ?? 10) * 365 * 86_400_000),
      kind: 'ca',
    },
    options.signer,
  );
}

/** The local stack's issuing CA: an RSA file key and its self-signed certificate (what KMS holds in the cloud). */
export async function generateFileCaBundle(options: { organization: string; bits?: number }): Promise<IssuingCaBundle> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 3072 });
  const der = await selfSignedCaCertificate({ publicKey, signer: keySigner(privateKey), organization: options.organization });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certificatePem: pemOf(der) };
}

/** Whether a stored bundle is an issuing-CA bundle (its certificate a CA), not an older document-signing leaf. */
export function isCaBundle(json: string): boolean {
  try {
    const bundle = JSON.parse(json) as IssuingCaBundle;
    return typeof bundle.certificatePem === 'string' && new X509Certificate(bundle.certificatePem).ca;
  } catch {
    return false;
  }
}
