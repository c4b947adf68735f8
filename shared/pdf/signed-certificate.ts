import { renderAnnotatedCertificate, type AnnotatedCertificateInput } from './annotated-certificate';
import { buildCredential, signCredential } from '../credentials/credential';
import { assembleSignedData, CMS_OID, sha256, signAttributes, timestampAttribute } from '../signing/cades';
import { embedSignature, SignatureTooLargeError } from '../signing/pades';
import type { Sealer } from '../signing/sealer';
import { parseTimestampToken, TransientSigningError } from '../signing/timestamp';

/**
 * The document a holder downloads, PAdES baseline B-LT (ETSI EN 319 142-1) in a single revision:
 *
 * 1. the page (PDF/A-3b, tagged) with the W3C credential embedded, the certification signature's field and the DSS —
 *    every certificate and CRL a validator needs for the signer and the TSA, known before signing (the TSA's chain is
 *    learnt once per container) — all covered by the signature, so nothing follows it (pyHanko's "DSS together with
 *    the signature"; readers report the whole document signed);
 * 2. the CAdES signature: content-type, message-digest, signing-certificate-v2; the claimed signing time only in /M;
 *    DocMDP P=1 (certification, no changes allowed);
 * 3. an RFC 3161 signature time-stamp on the signature value as an unsigned attribute (B-T).
 *
 * A TSA or KMS failure throws TransientSigningError: the render is retried, the annotation never FAILED for it.
 */
/** Room for the TSA's token: grows to the largest seen (+256), so a second render for a bigger token is rare. */
let tokenAllowance = 2048;

export async function renderSignedCertificate(input: AnnotatedCertificateInput, sealer: Sealer): Promise<Uint8Array> {
  const now = new Date();
  const { key } = sealer;
  const status = await sealer.credentialStatus({
    certId: input.certificate.certId,
    annotationId: input.annotation.annotationId,
    validUntil: input.annotation.validUntil,
  });
  const credentialJwt = signCredential(buildCredential(input, status, sealer.issuer), {
    privateKey: key.privateKey,
    chain: [key.certificate.der, ...key.credential.chain.map((c) => c.der)],
    kid: key.fingerprint,
  });
  const certificateBytes = [key.certificate, ...key.credential.chain].reduce((sum, c) => sum + c.der.length, 0);

  for (let attempt = 0; ; attempt++) {
    const validation = await sealer.validationData();
    const contentsBytes = certificateBytes + 640 + tokenAllowance;
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
      validationData: validation,
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
      // The DSS must hold the certificate that signed the token: a TSA that rolled its key over is learnt again.
      const tsaCertificate = parseTimestampToken(token!).certificates[0];
      if (tsaCertificate && !validation.certificates.some((der) => der.equals(tsaCertificate))) {
        if (attempt > 0) throw new TransientSigningError('the TSA signed with a certificate it did not present before');
        sealer.forgetTimestampAuthority();
        continue;
      }
      return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength);
    } catch (error) {
      // The TSA's token was larger than any before: render again with room for it (once).
      if (error instanceof SignatureTooLargeError && attempt === 0) continue;
      throw error;
    }
  }
}
