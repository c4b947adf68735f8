import { describe, expect, it } from 'vitest';
import { contactKey, maskContact, parseContact, sameContact } from '../../shared/domain/contact-point';

describe('parseContact', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['138 1234 5678', '+8613812345678'],
    ['138-1234-5678', '+8613812345678'],
    ['+86 138 1234 5678', '+8613812345678'],
    ['008613812345678', '+8613812345678'],
    ['１３８１２３４５６７８', '+8613812345678'],
    ['+85291234567', '+85291234567'],
  ])('reads the mobile %j as %s', (raw, address) => {
    expect(parseContact(raw)).toEqual({ ok: true, contact: { channel: 'SMS', address } });
  });

  it('keeps the local part of an e-mail address and lower-cases its domain', () => {
    expect(parseContact(' Zhang.San@Example.COM ')).toEqual({
      ok: true,
      contact: { channel: 'EMAIL', address: 'Zhang.San@example.com' },
    });
  });

  it.each(['', '12345', '23812345678', '1381234567', 'a@b', 'no at sign.com', 'x@y@z.com', `${'a'.repeat(250)}@e.com`, '+0123456789'])(
    'refuses %j without repeating it',
    (raw) => {
      // Act
      const result = parseContact(raw);

      // Assess
      expect(result.ok).toBe(false);
      if (!result.ok && raw.length > 3) expect(result.reason).not.toContain(raw);
    },
  );
});

describe('maskContact', () => {
  it.each([
    [{ channel: 'SMS', address: '+8613812345678' }, '138****5678'],
    [{ channel: 'SMS', address: '+85291234567' }, '+85*****4567'],
    [{ channel: 'EMAIL', address: 'zhang.san@example.com' }, 'z***@example.com'],
  ] as const)('masks %j as %s', (contact, masked) => {
    expect(maskContact(contact)).toBe(masked);
  });

  it('never shows the middle digits of a mainland mobile', () => {
    expect(maskContact({ channel: 'SMS', address: '+8613899990000' })).not.toContain('9999');
  });
});

describe('contact identity', () => {
  it('one contact however it was typed; a mobile is never the same as an e-mail', () => {
    // Prepare
    const typed = parseContact('138 1234 5678');
    const again = parseContact('+8613812345678');
    const email = parseContact('13812345678@example.com');

    // Assess
    expect(typed.ok && again.ok && email.ok).toBe(true);
    if (!typed.ok || !again.ok || !email.ok) return;
    expect(sameContact(typed.contact, again.contact)).toBe(true);
    expect(contactKey(typed.contact)).toBe('SMS:+8613812345678');
    expect(sameContact(typed.contact, email.contact)).toBe(false);
    expect(sameContact(typed.contact, undefined)).toBe(false);
  });
});
