/**
 * A holder's contact on record (issue 11): the mobile number and e-mail address the exam registration system handed
 * over with a certificate record. They exist to send one-time codes and reminders, nothing else: every view shows
 * them masked, and no reason or error ever repeats the value. Pure functions.
 */
export const EMAIL_MAX = 254;

export type ContactCheck = { ok: true; value: string } | { ok: false; reason: string };

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;
/** E.164: a + and at most 15 digits, no leading zero in the country code. */
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * A mobile number in E.164 form (what SMS services take): a mainland number may come without its country code
 * (13812345678 → +8613812345678); spaces, hyphens, dots and parentheses people type are dropped.
 */
export function checkMobile(raw: string): ContactCheck {
  let value = raw.normalize('NFKC').replace(/[\s\-.()]/g, '');
  if (/^(00|0086)/.test(value)) value = `+${value.replace(/^00/, '')}`;
  if (/^86(1[3-9]\d{9})$/.test(value)) value = `+${value}`;
  if (MAINLAND_MOBILE.test(value)) value = `+86${value}`;
  if (!E164.test(value)) return { ok: false, reason: '手机号码格式不正确（中国大陆11位手机号，或带国家代码的号码，如 +85291234567）' };
  if (value.startsWith('+86') && !MAINLAND_MOBILE.test(value.slice(3))) {
    return { ok: false, reason: '中国大陆手机号码应为1开头的11位数字' };
  }
  return { ok: true, value };
}

/** An e-mail address: trimmed, the domain lower-cased (the local part is the mailbox owner's and stays as given). */
export function checkEmail(raw: string): ContactCheck {
  const value = raw.normalize('NFC').trim();
  const at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1) return { ok: false, reason: '电子邮箱格式不正确' };
  const normalized = `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
  if ([...normalized].length > EMAIL_MAX) return { ok: false, reason: `电子邮箱不能超过${EMAIL_MAX}个字符` };
  if (!/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}.]{2,}$/u.test(normalized) || normalized.includes('..')) {
    return { ok: false, reason: '电子邮箱格式不正确' };
  }
  return { ok: true, value: normalized };
}

/** +8613812345678 → 138****5678; other countries keep their code and the last two digits: +852******78. */
export function maskMobile(mobile: string): string {
  if (mobile.startsWith('+86') && mobile.length === 14) return `${mobile.slice(3, 6)}****${mobile.slice(-4)}`;
  const digits = mobile.replace(/^\+/, '');
  const head = mobile.startsWith('+') ? `+${digits.slice(0, Math.min(3, digits.length - 4))}` : digits.slice(0, 1);
  return `${head}${'*'.repeat(Math.max(2, mobile.length - head.length - 2))}${mobile.slice(-2)}`;
}

/** zhang.san@example.com → z***@example.com (the domain stays: it tells the holder which mailbox to look in). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${[...email.slice(0, at)][0]}***${email.slice(at)}`;
}

/** What is on record for an identity, for sending. Never put this object in a response, a log line or an error. */
export interface ContactOnRecord {
  mobile?: string;
  email?: string;
}

/** The masked form every view may show. */
export function maskContact(contact: ContactOnRecord): { mobileMasked?: string; emailMasked?: string } {
  return {
    ...(contact.mobile ? { mobileMasked: maskMobile(contact.mobile) } : {}),
    ...(contact.email ? { emailMasked: maskEmail(contact.email) } : {}),
  };
}
