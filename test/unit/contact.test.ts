import { describe, expect, it } from 'vitest';
import { checkEmail, checkMobile, maskContact, maskEmail, maskMobile } from '../../shared/domain/contact';
import { checkCertificateRow } from '../../shared/domain/certificate-record';
import { certificateRow } from '../support/certificate-rows';

describe('contact on record: rules', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['138 1234 5678', '+8613812345678'],
    ['+86 138-1234-5678', '+8613812345678'],
    ['8613812345678', '+8613812345678'],
    ['0086 13812345678', '+8613812345678'],
    ['+852 9123 4567', '+85291234567'],
  ])('normalises the mobile number %s to E.164', (raw, expected) => {
    expect(checkMobile(raw)).toEqual({ ok: true, value: expected });
  });

  it.each(['12345678901', '+86 12345678901', '1381234567', 'abc', '+0123456789'])('refuses %s without repeating it', (raw) => {
    const checked = checkMobile(raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).not.toContain(raw);
  });

  it('lower-cases the domain of an e-mail address and refuses malformed ones', () => {
    expect(checkEmail(' Zhang.San@Example.COM ')).toEqual({ ok: true, value: 'Zhang.San@example.com' });
    for (const bad of ['zhang', 'a@b', '@example.com', 'a@@example.com', 'a b@example.com', 'a@example..com']) {
      expect(checkEmail(bad).ok, bad).toBe(false);
    }
  });

  it('masks both channels so that only their owner recognises them', () => {
    expect(maskMobile('+8613812345678')).toBe('138****5678');
    expect(maskMobile('+85291234567')).not.toContain('9123');
    expect(maskMobile('+85291234567').endsWith('67')).toBe(true);
    expect(maskEmail('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskContact({ mobile: '+8613812345678', email: 'li@example.cn' })).toEqual({
      mobileMasked: '138****5678',
      emailMasked: 'l***@example.cn',
    });
  });
});

describe('import rows with mobile and email', () => {
  it('takes both as optional columns, normalised', () => {
    const checked = checkCertificateRow({ ...certificateRow(), mobile: '138 1234 5678', email: 'A@Example.com' });
    expect(checked).toMatchObject({ ok: true, record: { mobile: '+8613812345678', email: 'A@example.com' } });
    const none = checkCertificateRow({ ...certificateRow(), mobile: '', email: '  ' });
    expect(none.ok && 'mobile' in none.record).toBe(false);
    expect(none.ok && 'email' in none.record).toBe(false);
  });

  it('names a bad contact by its column without repeating the value', () => {
    const checked = checkCertificateRow({ ...certificateRow(), mobile: '99912345', email: 'secret-person@' });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((i) => i.field)).toEqual(['mobile', 'email']);
    expect(JSON.stringify(checked.issues)).not.toMatch(/99912345|secret-person/);
  });
});
