/**
 * A holder's contact: a mobile number (SMS) or an e-mail address. Stored for sending only — masked in every view,
 * never logged, never in an error (reasons never repeat the input). Pure functions.
 */
export type ContactChannel = 'SMS' | 'EMAIL';

export interface Contact {
  channel: ContactChannel;
  /** Canonical form: E.164 for a mobile (+8613812345678), the address with a lower-cased domain for e-mail. */
  address: string;
}

export type ContactCheck = { ok: true; contact: Contact } | { ok: false; reason: string };

export const EMAIL_MAX_LENGTH = 254;
// Deliberately plain: one @, no spaces, a dot in the domain. SES rejects what is still wrong, and a rejected code is
// just a code that did not arrive.
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
/** Mainland China mobile numbers: 11 digits starting 13–19. */
const CN_MOBILE = /^1[3-9]\d{9}$/;
/** Any other E.164 number. */
const E164 = /^\+[1-9]\d{7,14}$/;

/** Parses what a person typed: spaces, hyphens and brackets inside a phone number are dropped; +86/0086 accepted. */
export function parseContact(raw: string): ContactCheck {
  const text = raw.normalize('NFKC').trim();
  if (text.includes('@')) {
    if (text.length > EMAIL_MAX_LENGTH || !EMAIL.test(text)) return { ok: false, reason: '电子邮箱地址格式不正确' };
    const at = text.lastIndexOf('@');
    return { ok: true, contact: { channel: 'EMAIL', address: `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}` } };
  }
  let digits = text.replace(/[\s\-()]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits.startsWith('+86')) digits = digits.slice(3);
  if (CN_MOBILE.test(digits)) return { ok: true, contact: { channel: 'SMS', address: `+86${digits}` } };
  if (E164.test(digits)) return { ok: true, contact: { channel: 'SMS', address: digits } };
  return { ok: false, reason: '请输入有效的手机号码或电子邮箱' };
}

/** One string per contact, for comparing and keyed hashing (`SMS:+8613812345678`). */
export const contactKey = (contact: Contact): string => `${contact.channel}:${contact.address}`;

export const sameContact = (a: Contact | undefined, b: Contact | undefined): boolean =>
  a !== undefined && b !== undefined && contactKey(a) === contactKey(b);

/** 138****5678 · z***@example.com — enough for a holder to recognise their own contact. */
export function maskContact(contact: Contact): string {
  if (contact.channel === 'SMS') {
    const national = contact.address.startsWith('+86') ? contact.address.slice(3) : contact.address;
    const chars = [...national];
    const head = Math.min(3, Math.max(0, chars.length - 6));
    return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - 4) + chars.slice(-4).join('');
  }
  const at = contact.address.lastIndexOf('@');
  const local = [...contact.address.slice(0, at)];
  return `${local[0] ?? ''}***@${contact.address.slice(at + 1)}`;
}

export const CONTACT_CHANNEL_LABELS: Record<ContactChannel, string> = { SMS: '手机', EMAIL: '电子邮箱' };
