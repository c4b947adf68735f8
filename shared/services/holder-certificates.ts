import type { Certificate } from '../domain/certificate';
import { qualificationOf } from '../domain/certificate';
import { belongsTo, certificateView, type CertificateView } from '../domain/certificate-view';
import { EMPTY_CERTIFICATE_LIST_HINT } from '../domain/notice';
import { problem } from '../http/problem';
import { certificateOfIdentity, getCertificateOfHolder, listCertificatesByIdentity } from '../repository/certificates';
import type { Item } from '../repository/item-codec';
import { MAX_PRESIGN_SECONDS, presignDownload, type Disposition } from '../repository/documents';
import type { Holder } from '../repository/holders';
import { NOT_FOUND_TEXT } from '../resources/schemas';

/**
 * A holder's own certificates (R1, R3, R7, R10). Someone else's certificate and a missing one are the same 404, so
 * these use cases cannot be used to probe which certificates exist.
 */

/** The certificate `certId` if it is the caller's; else 404 NOT_FOUND. */
export async function holderCertificate(holder: Holder, certId: string): Promise<Certificate> {
  return ownCertificate(holder, await getCertificateOfHolder(certId, holder.idType, holder.idHash));
}

/** The same rule for a certificate item read with something else (the apply reads it with the quota). */
export function holderCertificateOfItem(holder: Holder, item: Item | undefined): Certificate {
  return ownCertificate(holder, certificateOfIdentity(item, holder.idType, holder.idHash));
}

function ownCertificate(holder: Holder, cert: Certificate | undefined): Certificate {
  if (!cert || !belongsTo(cert, holder)) throw problem('NOT_FOUND', NOT_FOUND_TEXT.certificate);
  return cert;
}

export interface CertificateListView {
  items: CertificateView[];
  hint?: typeof EMPTY_CERTIFICATE_LIST_HINT;
}

/** The holder's certificates, newest first; an empty list is an answer with the reasons it may be empty (R10). */
export async function listHolderCertificates(holder: Holder): Promise<CertificateListView> {
  const certificates = (await listCertificatesByIdentity(holder.idType, holder.idHash)).filter((cert) => belongsTo(cert, holder));
  const items = certificates.map(certificateView);
  return items.length > 0 ? { items } : { items, hint: EMPTY_CERTIFICATE_LIST_HINT };
}

export async function holderCertificateView(holder: Holder, certId: string): Promise<CertificateView> {
  return certificateView(await holderCertificate(holder, certId));
}

export interface DocumentLink {
  url: string;
  expiresAt: string;
  filename: string;
}

/** R1: a short link to the certificate electronic file of a pre-2021-12-17 certificate, while the certificate is VALID (R3). */
export async function electronicFileLink(holder: Holder, certId: string, disposition: Disposition): Promise<DocumentLink> {
  const cert = await holderCertificate(holder, certId);
  if (cert.status === 'REVOKED') throw problem('CERTIFICATE_REVOKED', '证书已撤销，不能查看或下载');
  if (!cert.electronicFile) throw problem('NOT_FOUND', '该证书没有证书电子文件');
  const filename = `${qualificationOf(cert).name}-${cert.certId}-证书电子文件.pdf`;
  const link = await presignDownload(cert.electronicFile.key, { filename, disposition, expiresInSeconds: MAX_PRESIGN_SECONDS });
  return { ...link, filename };
}
