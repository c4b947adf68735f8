import { api, errorText } from '../api';
import { h, message } from '../dom';
import type { DownloadLink } from '../types';

/**
 * Downloads a document through a presigned link minted for this click (`disposition=attachment`): a navigation to the
 * link, whose Content-Disposition makes it a file. Viewing goes through the portal's document route instead
 * (document-route.ts), so that a reopened view link mints a fresh one too.
 */
export async function downloadDocument(linkPath: string, status: HTMLElement): Promise<void> {
  status.replaceChildren();
  try {
    const link = await api<DownloadLink>(`${linkPath}?disposition=attachment`);
    const anchor = h('a', { href: link.url, rel: 'noopener', class: 'visually-hidden' }, '下载');
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    status.replaceChildren(message('success', `已开始下载${link.filename ? `：${link.filename}` : ''}`));
  } catch (error) {
    status.replaceChildren(message('error', errorText(error)));
  }
}
