import { renderAnnotatedCertificate, SEAL, type AnnotatedCertificateInput } from './annotated-certificate';
import { signPdf } from '../signing/sign-pdf';
import type { LoadedSigningKey } from '../signing/key-material';

/**
 * The document a holder downloads: the rendered page, then the digital signature whose widget is the visible seal.
 * Signed at the annotation's application time, so the whole file is a pure function of the annotation.
 */
export async function renderSignedCertificate(input: AnnotatedCertificateInput, key?: LoadedSigningKey): Promise<Uint8Array> {
  const page = await renderAnnotatedCertificate(input);
  return signPdf(
    page,
    {
      signingTime: new Date(input.annotation.appliedAt),
      reason: `电子证书加注：${input.scenario.label}`,
      name: input.qualification.sealName,
      location: 'CN',
      contactInfo: input.verificationUrl,
      widgetRect: [SEAL.cx - SEAL.radius, SEAL.cy - SEAL.radius, SEAL.cx + SEAL.radius, SEAL.cy + SEAL.radius],
    },
    key,
  );
}
