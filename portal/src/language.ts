/**
 * The language of the public verification page: `?lang=en|zh` (the QR redirect sets it from Accept-Language), else
 * the visitor's choice (the switch, for the browser session), else the browser's languages, else Chinese. No DOM here, so the
 * rule is unit-tested under Node.
 */
export type Lang = 'zh' | 'en';

export function pickLanguage(query: URLSearchParams, stored: string | null, browser: readonly string[]): Lang {
  const asked = query.get('lang');
  if (asked === 'en' || asked === 'zh') return asked;
  if (stored === 'en' || stored === 'zh') return stored;
  for (const tag of browser) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh';
    if (primary === 'en') return 'en';
  }
  return 'zh';
}
