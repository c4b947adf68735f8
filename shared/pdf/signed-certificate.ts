import { renderAnnotatedCertificate, type AnnotatedCertificateInput } from './annotated-certificate';
import { buildCredential, signCredential } from '../credentials/credential';
import { assembleSignedData, CMS_OID, sha256, signAttributes, timestampAttribute } from '../signing/cades';
import { appendDss, embedSignature, SignatureTooLargeError } from '../signing/pades';
import type { Sealer } from '../signing/sealer';
import { parseTimestampToken } from '../signing/timestamp';

/**
 * The document a holder downloads, PAdES baseline B-LT (ETSI EN 319 142-1):
 *
 * 1. the page (PDF/A-3b, tagged) with the W3C credential embedded and the certification signature's field, signed
 *    over the whole first revision — CAdES signed attributes content-type, message-digest, signing-certificate-v2;
 *    the claimed signing time only in /M, DocMDP P=1;
 * 2. an RFC 3161 signature time-stamp on the signature value as an unsigned attribute (B-T);
 * 3. an incremental update with the DSS: every certificate and CRL a validator needs for the signer and the TSA (B-LT).
 *
 * A TSA or KMS failure throws TransientSigningError: the render is retried, the annotation never FAILED for it.
 */
let tokenAllowance = 4096;

export async function renderSignedCertificate(input: AnnotatedCertificateInput, sealer: Sealer): Promise<Uint8Array> {
  const now = new Date();
  const { key } = sealer;
  const status = await sealer.credentialStatus({
    certId: input.certificate.certId,
    annotationId: input.annotation.annotationId,
    validUntil: input.annotation.validUntil,
  });
  const credentialJwt = await signCredential(buildCredential(input, status, sealer.issuer), {
    privateKey: key.privateKey,
    chain: [key.certificate.der, ...key.credential.chain.map((c) => c.der)],
    kid: key.fingerprint,
  });
  const certificateBytes = [key.certificate, ...key.credential.chain].reduce((sum, c) => sum + c.der.length, 0);

  for (let attempt = 0; ; attempt++) {
    const contentsBytes = certificateBytes + 1024 + tokenAllowance;
    const page = await renderAnnotatedCertificate(input, {
      created: now,
      credentialJwt,
      signature: {
        signingTime: now,
        reason: `电子证书加注：${input.scenario.label}`,
        name: input.qualification.sealName,
        location: 'CN',
        contactInfo: input.verificationUrl,
        contentsBytes,
      },
    });
    let token: Buffer | undefined;
    try {
      const signed = await embedSignature(Buffer.from(page.buffer, page.byteOffset, page.byteLength), async (digest) => {
        const parts = { contentType: CMS_OID.data, contentDigest: digest, credential: key.credential };
        const signerInfo = await signAttributes(parts);
        // The signature time-stamp covers the signature value (ETSI EN 319 122-1 §5.3).
        token = await sealer.tsa.timestamp(sha256(signerInfo.signature));
        tokenAllowance = Math.max(tokenAllowance, token.length + 256);
        return assembleSignedData(parts, signerInfo, [timestampAttribute(token)]);
      });
      const validation = await sealer.validationData(parseTimestampToken(token!).certificates);
      const out = appendDss(signed, validation);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (error) {
      // The TSA's token was larger than any before: render again with room for it (once).
      if (error instanceof SignatureTooLargeError && attempt === 0) continue;
      throw error;
    }
  }
}
