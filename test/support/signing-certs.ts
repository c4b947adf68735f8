import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Test PKI: RSA keys and certificates issued by a throw-away CA, to exercise `signing-key install` with what an
 * operator gets from a real CA (a leaf signed by an intermediate, a chain file).
 */
export interface TestIdentity {
  privateKeyPem: string;
  certificatePem: string;
}

export function rsaKeyPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function issue(options: {
  commonName: string;
  /** The issuer; self-signed when absent. */
  issuer?: TestIdentity;
  ca?: boolean;
  keyPem?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** keyUsage of a leaf; CAs get keyCertSign. */
  keyUsage?: { digitalSignature?: boolean; nonRepudiation?: boolean; keyEncipherment?: boolean };
}): TestIdentity {
  const privateKeyPem = options.keyPem ?? rsaKeyPem();
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: 'Test PKI' },
  ].map((attribute) => ({ ...attribute, valueTagClass: forge.asn1.Type.UTF8 as never }));
  cert.setSubject(subject);
  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.certificatePem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.ca === true, critical: true },
    options.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', ...(options.keyUsage ?? { digitalSignature: true, nonRepudiation: true }), critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const signer = options.issuer ? forge.pki.privateKeyFromPem(options.issuer.privateKeyPem) : key;
  cert.sign(signer, forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}

/** Root → intermediate → document-signing leaf. */
export function testChain(): { root: TestIdentity; intermediate: TestIdentity; leaf: TestIdentity } {
  const root = issue({ commonName: 'Test Root CA', ca: true });
  const intermediate = issue({ commonName: 'Test Document Signing CA', ca: true, issuer: root });
  const leaf = issue({ commonName: 'ecert 文档签章 (test)', issuer: intermediate });
  return { root, intermediate, leaf };
}
