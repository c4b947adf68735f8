import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../aws/clients';
import { IssuingCaError, loadIssuingCa, type IssuingCa, type IssuingCaBundle } from './issuing-ca';
import { describeName } from './timestamp';
import { certificatePublicKey, derOfPem, pemOf } from './x509';

/**
 * Reading, checking and storing the issuing-CA bundle (shared/signing/issuing-ca.ts), shared by the stack's
 * SigningKeyInit custom resource and `ecert signing-key`. Nothing here logs or returns key material.
 */
export type CaBundleState = { kind: 'absent' } | { kind: 'invalid'; problem: string } | { kind: 'valid'; ca: IssuingCa };

const oneLine = (dn: string) => dn.split('\n').join(', ');

/** Problems that make a certificate unusable as the seal's issuing CA, or none. */
export function caCertificateProblems(pem: string, now: Date = new Date()): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return ['the certificate is not a readable X.509 certificate'];
  }
  const problems: string[] = [];
  if (!cert.ca) problems.push('the certificate is not a CA certificate (basicConstraints cA)');
  if (now < new Date(cert.validFrom)) problems.push(`the certificate is not valid before ${new Date(cert.validFrom).toISOString()}`);
  if (now > new Date(cert.validTo)) problems.push(`the certificate expired at ${new Date(cert.validTo).toISOString()}`);
  const type = cert.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') problems.push(`the CA key must be RSA or EC, not ${type ?? 'unknown'}`);
  return problems;
}

/**
 * What a stored value is: nothing, something unusable (a placeholder, a pre-CA leaf bundle, garbage), or a CA bundle
 * this deployment can sign with. With `kmsPublicKey` the bundle must name a KMS key and its certificate that key.
 */
export function inspectCaBundle(json: string | undefined, options: { kmsPublicKey?: KeyObject; allowFileKey?: boolean } = {}): CaBundleState {
  if (json === undefined || json.trim() === '') return { kind: 'absent' };
  try {
    const bundle = JSON.parse(json) as IssuingCaBundle;
    const problems = typeof bundle.certificatePem === 'string' ? caCertificateProblems(bundle.certificatePem) : ['no CA certificate'];
    if (problems.length > 0) return { kind: 'invalid', problem: problems.join('; ') };
    const ca = loadIssuingCa(json, { allowFileKey: options.allowFileKey ?? !options.kmsPublicKey });
    if (options.kmsPublicKey && (!bundle.kmsKeyId || !certificatePublicKey(ca.certificate).equals(options.kmsPublicKey))) {
      return { kind: 'invalid', problem: 'the CA certificate is not for the stack’s KMS key' };
    }
    return { kind: 'valid', ca };
  } catch (error) {
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

/** What `signing-key show` prints and the custom resource logs: public facts only. */
export interface CaSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 of the DER CA certificate, lower-case hex. */
  fingerprint: string;
  keyType: string;
  keyLocation: string;
  selfSigned: boolean;
  chainLength: number;
}

export function describeCa(ca: IssuingCa): CaSummary {
  const x509 = new X509Certificate(ca.certificate.der);
  const details = x509.publicKey.asymmetricKeyDetails;
  return {
    subject: describeName(ca.certificate.subject),
    issuer: describeName(ca.certificate.issuer),
    serialNumber: x509.serialNumber,
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    fingerprint: ca.fingerprint,
    keyType: `${x509.publicKey.asymmetricKeyType?.toUpperCase() ?? 'unknown'}${details?.modulusLength ? ` ${details.modulusLength}` : details?.namedCurve ? ` ${details.namedCurve}` : ''}`,
    keyLocation: ca.keyLocation,
    selfSigned: ca.certificate.issuer.equals(ca.certificate.subject),
    chainLength: ca.chain.length,
  };
}

/** Every PEM certificate block in a file, in order. */
export function splitPemCertificates(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

export interface InstallFiles {
  /** The CA certificate first; further certificates are taken as its chain. */
  certificatePem: string;
  /** Optional intermediates (and root), issuer of the previous one next. */
  chainPem?: string;
  /** Local only: the CA's private key (PEM, unencrypted). In the cloud the key is the stack's KMS key. */
  privateKeyPem?: string;
  /** Cloud: the KMS key the certificate must be for, and its public key (kms:GetPublicKey). */
  kms?: { keyId: string; publicKey: KeyObject };
}

/**
 * Assembles and validates a CA bundle from an operator's files: a CA certificate valid now for the key (the KMS key,
 * or a file key locally), and a chain in which each certificate issued the previous one. Throws IssuingCaError with
 * an operator-readable message; messages never contain key material.
 */
export function assembleCaBundle(files: InstallFiles): { json: string; ca: IssuingCa } {
  const certificates = splitPemCertificates(files.certificatePem);
  if (certificates.length === 0) throw new IssuingCaError('the certificate file holds no PEM certificate');
  const chainFromFile = files.chainPem === undefined ? [] : splitPemCertificates(files.chainPem);
  if (files.chainPem !== undefined && chainFromFile.length === 0) throw new IssuingCaError('the chain file holds no PEM certificate');
  const [caPem, ...rest] = certificates as [string, ...string[]];
  const chain = [...rest, ...chainFromFile];
  const problems = caCertificateProblems(caPem);
  if (problems.length > 0) throw new IssuingCaError(problems.join('; '));
  const parsed = [caPem, ...chain].map((pem, index) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new IssuingCaError(`certificate ${index + 1} is not a readable X.509 certificate`);
    }
  });
  for (let i = 1; i < parsed.length; i++) {
    const child = parsed[i - 1]!;
    const issuer = parsed[i]!;
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      throw new IssuingCaError(`chain certificate ${i} (${oneLine(issuer.subject)}) did not issue ${oneLine(child.subject)}`);
    }
  }
  const bundle: IssuingCaBundle = { certificatePem: pemOf(derOfPem(caPem)), ...(chain.length > 0 ? { chainPem: chain } : {}) };
  if (files.kms) {
    if (!parsed[0]!.publicKey.equals(files.kms.publicKey)) throw new IssuingCaError('the CA certificate is not for the stack’s KMS key');
    bundle.kmsKeyId = files.kms.keyId;
  } else {
    if (!files.privateKeyPem) throw new IssuingCaError('a local CA needs its private key (--key)');
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(files.privateKeyPem)) {
      throw new IssuingCaError('the private key is encrypted: give the unencrypted PEM (see docs/signing.md)');
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(files.privateKeyPem);
    } catch {
      throw new IssuingCaError('the key file holds no readable private key (PEM, PKCS#8 or PKCS#1)');
    }
    if (!createPublicKey(key).equals(parsed[0]!.publicKey)) throw new IssuingCaError('the certificate does not belong to the private key');
    bundle.privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  const json = JSON.stringify(bundle);
  return { json, ca: loadIssuingCa(json, { allowFileKey: !files.kms }) };
}
