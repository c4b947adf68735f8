import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * The document-signing key and its certificate chain, as kept in the signing-key secret (Secrets Manager in the
 * cloud, a file in the local data folder): JSON `{privateKeyPem, certificatePem, chainPem?}`. Never in the repository
 * or the bundle. `ecert signing-key init` creates a self-signed one; `ecert signing-key install` puts a CA-issued one.
 */
export interface SigningKeyMaterial {
  privateKeyPem: string;
  certificatePem: string;
  /** Intermediate certificates, leaf first, for readers that build the path to a trusted root. */
  chainPem?: string[];
}

export interface LoadedSigningKey {
  privateKey: KeyObject;
  certificate: forge.pki.Certificate;
  chain: forge.pki.Certificate[];
  /** The certificates exactly as issued (DER): re-encoding through forge could change bytes and break them. */
  certificateDer: Buffer;
  chainDer: Buffer[];
  x509: X509Certificate;
  /** SHA-256 of the DER certificate, hex: how a verifier recognises our signer. */
  fingerprint: string;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

export function loadSigningKey(json: string): LoadedSigningKey {
  let material: SigningKeyMaterial;
  try {
    material = JSON.parse(json) as SigningKeyMaterial;
  } catch {
    throw new SigningKeyError('the signing-key secret is not JSON {privateKeyPem, certificatePem}: run `ecert signing-key init` or `install`');
  }
  if (typeof material.privateKeyPem !== 'string' || typeof material.certificatePem !== 'string') {
    throw new SigningKeyError('the signing-key secret lacks privateKeyPem/certificatePem: run `ecert signing-key init` or `install`');
  }
  const privateKey = createPrivateKey(material.privateKeyPem);
  const x509 = new X509Certificate(material.certificatePem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new SigningKeyError('the signing key must be an RSA key');
  if (!x509.checkPrivateKey(privateKey)) throw new SigningKeyError('the certificate does not belong to the private key');
  return {
    privateKey,
    certificate: forge.pki.certificateFromPem(material.certificatePem),
    chain: (material.chainPem ?? []).map((pem) => forge.pki.certificateFromPem(pem)),
    certificateDer: x509.raw,
    chainDer: (material.chainPem ?? []).map((pem) => new X509Certificate(pem).raw),
    x509,
    fingerprint: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * A self-signed RSA-2048 document-signing certificate. Good for local use and for a first deployment; a production
 * operator installs a certificate from a CA that PDF readers trust (docs/signing.md).
 */
export function generateSelfSignedMaterial(options: { commonName: string; organization: string; years?: number }): SigningKeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // Positive 16-byte serial.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + (options.years ?? 10) * 365 * 24 * 3600_000);
  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: options.organization },
    { name: 'countryName', value: 'CN' },
  ];
  // forge UTF-8-encodes UTF8String values itself.
  const attrs = subject.map((a) => ({ ...a, valueTagClass: forge.asn1.Type.UTF8 as never }));
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}
