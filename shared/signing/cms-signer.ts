import { createHash, privateEncrypt, constants } from 'node:crypto';
import forge from 'node-forge';
import { Signer } from '@signpdf/utils';
import type { LoadedSigningKey } from './key-material';

// DER prefix of a DigestInfo for SHA-256 (RFC 8017 §9.2): with it, a raw PKCS#1 v1.5 private-key operation is exactly
// an RSASSA-PKCS1-v1_5 signature, computed by OpenSSL instead of in JavaScript.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * Detached CMS (PKCS#7) signer for @signpdf: forge assembles the SignedData (signed attributes: content type, signing
 * time, message digest); the RSA operation itself is native. RSA PKCS#1 v1.5 is deterministic, so with a fixed signing
 * time the same document signs to the same bytes.
 */
export class NativeCmsSigner extends Signer {
  constructor(private readonly key: LoadedSigningKey) {
    super();
  }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdfBuffer.toString('binary'));
    p7.addCertificate(this.key.certificate);
    for (const cert of this.key.chain) p7.addCertificate(cert);
    const privateKey = this.key.privateKey;
    p7.addSigner({
      key: {
        sign: (md: forge.md.MessageDigest) => {
          const digest = Buffer.from(md.digest().getBytes(), 'binary');
          return privateEncrypt(
            { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
            Buffer.concat([SHA256_DIGEST_INFO, digest]),
          ).toString('binary');
        },
      } as unknown as forge.pki.rsa.PrivateKey,
      certificate: this.key.certificate,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
        { type: forge.pki.oids.signingTime!, value: (signingTime ?? new Date()) as unknown as string },
        { type: forge.pki.oids.messageDigest! },
      ],
    });
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(this.withOriginalCertificates(p7.toAsn1())).getBytes(), 'binary');
  }

  /**
   * forge re-encodes certificates and the signer's issuer name from its parsed form, which can change their bytes
   * (string types of a UTF-8 name) so that verifiers cannot match the signer or check the certificate. Put the
   * certificates and the issuer/serial back exactly as issued. Neither is covered by the signature.
   */
  private withOriginalCertificates(contentInfo: forge.asn1.Asn1): forge.asn1.Asn1 {
    const fromDer = (der: Buffer) => forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const signedData = ((contentInfo.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
    const parts = signedData.value as forge.asn1.Asn1[];
    const certificates = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0)!;
    certificates.value = [this.key.certificateDer, ...this.key.chainDer].map(fromDer);
    const tbs = (fromDer(this.key.certificateDer).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    // tbsCertificate: [0] version, serialNumber, signature, issuer, …
    const [serial, issuer] = tbs[0]!.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? [tbs[1]!, tbs[3]!] : [tbs[0]!, tbs[2]!];
    const signerInfos = parts[parts.length - 1]!.value as forge.asn1.Asn1[];
    const signerInfo = signerInfos[0]!.value as forge.asn1.Asn1[];
    signerInfo[1] = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [issuer, serial]);
    return contentInfo;
  }
}

export const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
