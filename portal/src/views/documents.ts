import { api, errorText } from '../api';
import { h, message } from '../dom';
import type { DownloadLink } from '../types';

/**
 * Opens or downloads a document through a short-lived presigned link. For viewing, the new tab is opened at the click
 * (so no pop-up blocker stops it) and pointed at the link once the API has minted it; a download is a navigation to
 * the link, whose Content-Disposition makes it a file.
 */
export async function openDocument(linkPath: string, disposition: 'inline' | 'attachment', status: HTMLElement): Promise<void> {
  status.replaceChildren();
  const tab = disposition === 'inline' ? window.open('', '_blank') : null;
  if (tab) tab.opener = null;
  try {
    const link = await api<DownloadLink>(`${linkPath}?disposition=${disposition}`);
    if (tab) tab.location.replace(link.url);
    else if (disposition === 'inline') window.location.assign(link.url);
    else {
      const anchor = h('a', { href: link.url, rel: 'noopener', class: 'visually-hidden' }, '下载');
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      status.replaceChildren(message('success', `已开始下载${link.filename ? `：${link.filename}` : ''}`));
    }
  } catch (error) {
    tab?.close();
    status.replaceChildren(message('error', errorText(error)));
  }
}
