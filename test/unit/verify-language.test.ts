import { describe, expect, it } from 'vitest';
import { prefersEnglish } from '../../shared/http/accept-language';
import { pickLanguage } from '../../portal/src/language';

describe('the verification page’s language', () => {
  it('follows Accept-Language: English only when ranked above Chinese', () => {
    expect(prefersEnglish('en-GB,en;q=0.9')).toBe(true);
    expect(prefersEnglish('de-DE,de;q=0.9,en;q=0.5')).toBe(true);
    expect(prefersEnglish('zh-CN,zh;q=0.9,en;q=0.8')).toBe(false);
    expect(prefersEnglish('en;q=0.4,zh-TW;q=0.6')).toBe(false);
    expect(prefersEnglish(undefined)).toBe(false);
    expect(prefersEnglish('*')).toBe(false);
  });

  it('takes ?lang first, then the visitor’s switch, then the browser’s languages, else Chinese', () => {
    expect(pickLanguage(new URLSearchParams('lang=en'), 'zh', ['zh-CN'])).toBe('en');
    expect(pickLanguage(new URLSearchParams(''), 'en', ['zh-CN'])).toBe('en');
    expect(pickLanguage(new URLSearchParams(''), null, ['fr-FR', 'en-US'])).toBe('en');
    expect(pickLanguage(new URLSearchParams(''), null, ['zh-HK', 'en'])).toBe('zh');
    expect(pickLanguage(new URLSearchParams('lang=xx'), null, [])).toBe('zh');
  });
});
