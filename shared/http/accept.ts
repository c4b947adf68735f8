/**
 * Content negotiation on the `Accept` header (RFC 9110 §12.5.1), just enough to tell a browser from an API client.
 */
interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.trim().split(';');
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      let q = 1;
      for (const param of params) {
        const [name, value] = param.trim().split('=');
        if (name?.trim().toLowerCase() === 'q') {
          const parsed = Number(value);
          q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
        }
      }
      return { type, subtype, q };
    })
    .filter((range) => range.type && range.subtype);
}

/** The quality the header gives one media type: its most specific matching range wins. */
export function qualityOf(header: string | undefined, mediaType: string): number {
  if (!header?.trim()) return 1;
  const [type, subtype] = mediaType.toLowerCase().split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const range of parseAccept(header)) {
    const specificity =
      range.type === type && range.subtype === subtype ? 3 : range.type === type && range.subtype === '*' ? 2 : range.type === '*' && range.subtype === '*' ? 1 : 0;
    if (specificity > 0 && (!best || specificity > best.specificity)) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/**
 * True when the client asks for HTML over JSON: a browser that opened a link (`text/html,…,*\/*;q=0.8`) does, while
 * `fetch`, curl and SDKs (`*\/*` or `application/json`) do not — equal preference keeps the API's JSON.
 */
export function prefersHtml(header: string | undefined): boolean {
  const html = qualityOf(header, 'text/html');
  return html > 0 && html > qualityOf(header, 'application/json');
}
