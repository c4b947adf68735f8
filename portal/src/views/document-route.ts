import { api, ApiError, errorText } from '../api';
import { h, message } from '../dom';
import { pageHeading, type ViewContext } from '../router';
import type { DownloadLink } from '../types';

/**
 * Where 在线查看 links point (`/documents/{certId}/annotations/{annotationId}`, `/documents/{certId}/file`): every
 * visit — a click, the same link opened again an hour later, a bookmark — asks the API for a fresh presigned link
 * (valid ≤ 300 s) and goes there. A stale S3 link is never what a link of the portal holds, so nobody lands on S3's
 * English XML error; when the document can no longer be opened, this page says why, in Chinese.
 */
export const annotationDocumentPath = (certId: string, annotationId: string) =>
  `/documents/${encodeURIComponent(certId)}/annotations/${encodeURIComponent(annotationId)}`;
export const certificateFilePath = (certId: string) => `/documents/${encodeURIComponent(certId)}/file`;

/** The API route that mints the link for a portal document path's parameters. */
export function linkRoute(params: Record<string, string>): string {
  const cert = `/v1/certificates/${encodeURIComponent(params.certId ?? '')}`;
  return params.annotationId ? `${cert}/annotations/${encodeURIComponent(params.annotationId)}/download` : `${cert}/file`;
}

const REASONS: Record<string, string> = {
  ANNOTATION_EXPIRED: '该加注件已过期，不能再查看或下载。如需使用，请回到证书页面重新申请加注。',
  ANNOTATION_PENDING: '该加注件仍在生成中，请稍后再打开。',
  ANNOTATION_FAILED: '该加注件生成失败，请回到证书页面重新申请加注（本次申请不计入加注次数）。',
  CERTIFICATE_REVOKED: '该证书已撤销，加注件和证书电子文件均已失效，不能查看或下载。',
  NOT_FOUND: '没有找到该文件，可能链接有误，或它不属于当前登录的账号。',
};

export async function documentView({ root, params, query, signal }: ViewContext): Promise<void> {
  const disposition = query.get('disposition') === 'attachment' ? 'attachment' : 'inline';
  const back = `/certificates/${encodeURIComponent(params.certId ?? '')}`;
  pageHeading(root, params.annotationId ? '打开加注件' : '打开证书电子文件');
  const status = h('p', { role: 'status' }, '正在获取文件链接…');
  root.append(status);
  try {
    const link = await api<DownloadLink>(`${linkRoute(params)}?disposition=${disposition}`, { signal });
    status.textContent = disposition === 'inline' ? '正在打开文件…' : '已开始下载。';
    // replace: Back returns to where the link was clicked, not to this hop.
    window.location.replace(link.url);
  } catch (error) {
    if ((error as Error).name === 'AbortError') return;
    const code = error instanceof ApiError ? error.code : '';
    status.replaceWith(
      message('error', h('p', null, REASONS[code] ?? errorText(error))),
      h('p', null, h('a', { href: back }, '返回证书页面'), '　', h('a', { href: '/certificates' }, '我的证书')),
    );
  }
}
