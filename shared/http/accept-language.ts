/**
 * Accept-Language (RFC 9110 §12.5.4), just enough for the verification page: does the visitor rank English above
 * Chinese? A visa officer's browser says `en-GB,en;q=0.9`; a Chinese one `zh-CN,zh;q=0.9,en;q=0.8`.
 */
export function prefersEnglish(header: string | undefined): boolean {
  if (!header?.trim()) return false;
  let en = 0;
  let zh = 0;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
    const weight = Number.isFinite(q) ? q : 0;
    const primary = tag.split('-')[0];
    if (primary === 'en') en = Math.max(en, weight);
    if (primary === 'zh') zh = Math.max(zh, weight);
  }
  return en > zh;
}
