import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import forge from 'node-forge';
import { secretsManager } from '../aws/clients';
import { loadSigningKey, SigningKeyError, type LoadedSigningKey, type SigningKeyMaterial } from './key-material';

/**
 * Reading, checking and storing the signing-key bundle (`{privateKeyPem, certificatePem, chainPem?}`), shared by the
 * stack's SigningKeyInit custom resource and `ecert signing-key`. Nothing here logs or returns key material.
 */

/** Subject of the self-signed certificate the stack (and `signing-key init`) creates. */
export const SELF_SIGNED_COMMON_NAME = 'ecert 电子证书签章';

/** The smallest RSA modulus accepted for a document-signing key. */
export const MIN_RSA_BITS = 2048;
/** The largest: sign-pdf.ts sizes the signature placeholder for signatures of up to 4096 bits. */
export const MAX_RSA_BITS = 4096;

export type SigningKeyState =
  | { kind: 'absent' }
  | { kind: 'invalid'; problem: string }
  | { kind: 'valid'; key: LoadedSigningKey };

/** What a stored value is: nothing, something unusable (a placeholder, garbage), or a usable key bundle. */
export function inspectSigningKey(json: string | undefined): SigningKeyState {
  if (json === undefined || json.trim() === '') return { kind: 'absent' };
  try {
    return { kind: 'valid', key: loadSigningKey(json) };
  } catch (error) {
    // A Node decoder error names no key material; keep only its message.
    return { kind: 'invalid', problem: error instanceof Error ? error.message : String(error) };
  }
}

/** The current value of a Secrets Manager secret, or undefined when it has none (a secret created without a value). */
export async function readSecretString(secretId: string): Promise<string | undefined> {
  try {
    const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId }));
    return out.SecretString;
  } catch (error) {
    // Secrets Manager answers ResourceNotFoundException for a secret without an AWSCURRENT version too.
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Stores a new version (AWSCURRENT); the previous one stays retrievable as AWSPREVIOUS. */
export async function writeSecretString(secretId: string, value: string): Promise<void> {
  await secretsManager().send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
}

/** What `signing-key show` prints and the custom resource returns: public facts only. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 of the DER certificate, lower-case hex (as the verification record stores it). */
  fingerprint: string;
  keyType: string;
  selfSigned: boolean;
  chainLength: number;
}

const oneLine = (dn: string) => dn.split('\n').join(', ');

export function describeSigningKey(key: LoadedSigningKey): CertificateSummary {
  const details = key.privateKey.asymmetricKeyDetails;
  return {
    subject: oneLine(key.x509.subject),
    issuer: oneLine(key.x509.issuer),
    serialNumber: key.x509.serialNumber,
    validFrom: new Date(key.x509.validFrom).toISOString(),
    validTo: new Date(key.x509.validTo).toISOString(),
    fingerprint: key.fingerprint,
    keyType: `${key.privateKey.asymmetricKeyType?.toUpperCase() ?? 'unknown'}${details?.modulusLength ? ` ${details.modulusLength}` : ''}`,
    // Not checkIssued(itself): OpenSSL also demands keyCertSign there, which a signing certificate does not have.
    selfSigned: key.x509.subject === key.x509.issuer && key.x509.verify(key.x509.publicKey),
    chainLength: key.chainDer.length,
  };
}

/** Every PEM certificate block in a file, in order. */
export function splitPemCertificates(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

export interface InstallFiles {
  /** Contents of the private key file (PEM, unencrypted). */
  privateKeyPem: string;
  /** Contents of the certificate file: the signing certificate first; further certificates are taken as its chain. */
  certificatePem: string;
  /** Contents of an optional chain file: one or more intermediate certificates, issuer of the previous one next. */
  chainPem?: string;
}

/**
 * Assembles and validates a bundle from an operator's files: RSA 2048–4096 key, a certificate for that key that is
 * valid now and usable for signatures, a chain in which each certificate issued the previous one. Throws
 * SigningKeyError with an operator-readable message; the messages never contain key material.
 */
export function assembleSigningKey(files: InstallFiles, now: Date = new Date()): { json: string; key: LoadedSigningKey } {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(files.privateKeyPem)) {
    throw new SigningKeyError('the private key is encrypted: give the unencrypted PEM (see docs/signing.md)');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(files.privateKeyPem);
  } catch {
    throw new SigningKeyError('the key file holds no readable private key (PEM, PKCS#8 or PKCS#1)');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new SigningKeyError(`the signing key must be an RSA key, not ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new SigningKeyError(`the RSA key has ${bits} bits; ${MIN_RSA_BITS} to ${MAX_RSA_BITS} are supported`);
  }

  const certificates = splitPemCertificates(files.certificatePem);
  if (certificates.length === 0) throw new SigningKeyError('the certificate file holds no PEM certificate');
  const chainFromFile = files.chainPem === undefined ? [] : splitPemCertificates(files.chainPem);
  if (files.chainPem !== undefined && chainFromFile.length === 0) {
    throw new SigningKeyError('the chain file holds no PEM certificate');
  }
  const [leafPem, ...rest] = certificates as [string, ...string[]];
  const chain = [...rest, ...chainFromFile];

  const parsed = [leafPem, ...chain].map((pem, index) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new SigningKeyError(`certificate ${index + 1} is not a readable X.509 certificate`);
    }
  });
  const leaf = parsed[0]!;
  if (!leaf.checkPrivateKey(privateKey)) throw new SigningKeyError('the certificate does not belong to the private key');
  if (now < new Date(leaf.validFrom)) throw new SigningKeyError(`the certificate is not valid before ${new Date(leaf.validFrom).toISOString()}`);
  if (now > new Date(leaf.validTo)) throw new SigningKeyError(`the certificate expired at ${new Date(leaf.validTo).toISOString()}`);
  checkKeyUsage(leafPem);
  for (let i = 1; i < parsed.length; i++) {
    const child = parsed[i - 1]!;
    const issuer = parsed[i]!;
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      throw new SigningKeyError(`chain certificate ${i} (${oneLine(issuer.subject)}) did not issue ${oneLine(child.subject)}`);
    }
  }

  const material: SigningKeyMaterial = {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: leafPem,
    ...(chain.length > 0 ? { chainPem: chain } : {}),
  };
  const json = JSON.stringify(material);
  // The same check the render function makes when it loads the secret.
  return { json, key: loadSigningKey(json) };
}

/** A keyUsage extension, when present, must allow signatures (digitalSignature or nonRepudiation). */
function checkKeyUsage(certificatePem: string): void {
  let usage: { digitalSignature?: boolean; nonRepudiation?: boolean } | undefined;
  try {
    usage = forge.pki.certificateFromPem(certificatePem).getExtension('keyUsage') as typeof usage;
  } catch {
    // forge cannot read some certificates (e.g. non-RSA issuers); Node already accepted it, and the key is RSA.
    return;
  }
  if (usage && !usage.digitalSignature && !usage.nonRepudiation) {
    throw new SigningKeyError('the certificate’s keyUsage allows neither digitalSignature nor nonRepudiation');
  }
}
