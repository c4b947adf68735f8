import { describe, expect, it } from 'vitest';
import { prefersHtml, qualityOf } from '../../shared/http/accept';

describe('Accept negotiation (what the QR code opens)', () => {
  it('sends browsers that open a link to the portal', () => {
    const chrome = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';
    const safari = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    expect(prefersHtml(chrome)).toBe(true);
    expect(prefersHtml(safari)).toBe(true);
    expect(prefersHtml('text/*')).toBe(true);
  });

  it('keeps JSON for API clients, fetch, curl and anything undecided', () => {
    for (const accept of [undefined, '', '*/*', 'application/json', 'application/json, text/plain, */*', 'application/problem+json']) {
      expect(prefersHtml(accept), String(accept)).toBe(false);
    }
    expect(prefersHtml('text/html;q=0.5, application/json')).toBe(false);
    expect(prefersHtml('text/html, application/json')).toBe(false);
    expect(prefersHtml('text/html;q=0, */*')).toBe(false);
  });

  it('takes the most specific matching range', () => {
    expect(qualityOf('text/*;q=0.3, text/html;q=0.7, */*;q=0.1', 'text/html')).toBe(0.7);
    expect(qualityOf('text/*;q=0.3, */*;q=0.1', 'text/html')).toBe(0.3);
    expect(qualityOf('image/png', 'application/json')).toBe(0);
    expect(qualityOf('text/html;q=abc', 'text/html')).toBe(0);
  });
});
