/**
 * Holder identity rules (R7): ID document types, their formats, the GB 11643 check digit, names with rare
 * characters. Pure functions; callers get a reason they can show, never the offending ID number back.
 */
export const ID_TYPES = ['RESIDENT_ID', 'PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT', 'FOREIGN_PERMANENT_ID'] as const;
export type IdType = (typeof ID_TYPES)[number];

export const ID_TYPE_LABELS: Record<IdType, string> = {
  RESIDENT_ID: '居民身份证',
  PASSPORT: '护照',
  HK_MACAO_PERMIT: '港澳居民来往内地通行证',
  TAIWAN_PERMIT: '台湾居民来往大陆通行证',
  FOREIGN_PERMANENT_ID: '外国人永久居留身份证',
};

export const isIdType = (value: unknown): value is IdType =>
  typeof value === 'string' && (ID_TYPES as readonly string[]).includes(value);

/** Upper-cases and drops spaces/hyphens people type inside document numbers. */
export function normalizeIdNumber(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
}

const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const GB11643_CHECK = '10X98765432';

/** ISO 7064 MOD 11-2 check character over the first 17 digits. */
export function gb11643CheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * GB11643_WEIGHTS[i]!;
  return GB11643_CHECK[sum % 11]!;
}

function isRealDate(yyyymmdd: string, today: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return date.getTime() <= today.getTime();
}

export type IdCheck = { ok: true; idNumber: string } | { ok: false; reason: string };

/** Validates a (normalised) ID number for its type. `today` bounds birth dates; injected for tests. */
export function checkIdNumber(idType: IdType, raw: string, today: Date = new Date()): IdCheck {
  const id = normalizeIdNumber(raw);
  switch (idType) {
    case 'RESIDENT_ID': {
      if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: '居民身份证号码应为18位（最后一位可为X）' };
      if (!isRealDate(id.slice(6, 14), today)) return { ok: false, reason: '居民身份证号码中的出生日期无效' };
      if (gb11643CheckChar(id) !== id[17]) return { ok: false, reason: '居民身份证号码校验位不正确' };
      return { ok: true, idNumber: id };
    }
    case 'PASSPORT':
      return /^[A-Z0-9]{5,20}$/.test(id)
        ? { ok: true, idNumber: id }
        : { ok: false, reason: '护照号码应为5–20位字母或数字' };
    case 'HK_MACAO_PERMIT':
      return /^[HM]\d{8}(\d{2})?$/.test(id)
        ? { ok: true, idNumber: id }
        : { ok: false, reason: '港澳居民来往内地通行证号码应为H或M加8位（或10位）数字' };
    case 'TAIWAN_PERMIT':
      return /^(\d{8}|\d{10})$/.test(id)
        ? { ok: true, idNumber: id }
        : { ok: false, reason: '台湾居民来往大陆通行证号码应为8位或10位数字' };
    case 'FOREIGN_PERMANENT_ID': {
      if (/^[A-Z]{3}\d{12}$/.test(id)) return { ok: true, idNumber: id };
      // The 2023 card uses the resident-ID layout, starting with 9, and the same check character.
      if (/^9\d{16}[\dX]$/.test(id) && gb11643CheckChar(id) === id[17]) return { ok: true, idNumber: id };
      return { ok: false, reason: '外国人永久居留身份证号码格式不正确' };
    }
  }
}

/** Shows enough to recognise one's own document and no more: 110***********123X. */
export function maskIdNumber(idNumber: string): string {
  const chars = [...idNumber];
  if (chars.length <= 4) return '*'.repeat(chars.length);
  const head = chars.length >= 10 ? 3 : 1;
  const tail = chars.length >= 10 ? 4 : 2;
  return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - tail) + chars.slice(-tail).join('');
}

/**
 * What a public view (查验) may show of an ID number: the first and the last character and nothing else. The holder's
 * own view keeps more (`maskIdNumber`); a verifier who already holds the number needs no more than this to recognise
 * it, and the last four characters the old view showed (sequence + check digit) narrowed a guess to a few hundred.
 */
export function maskIdNumberPublic(idNumber: string): string {
  const chars = [...idNumber];
  if (chars.length <= 2) return '*'.repeat(chars.length);
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

export const NAME_MAX_CODE_POINTS = 50;
export const NAME_SEPARATOR = '\u00B7';
// Dots people use for 间隔号 in practice; all mean U+00B7 in an official name.
const SEPARATOR_LOOKALIKES = /[\u2022\u2027\u30FB\uFF65\u2219\u22C5\u0387]/gu;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * NFC, code points (not UTF-16 units), letters of any script incl. every CJK extension, single spaces between Latin
 * words, and · between parts. Returns the canonical form to store and compare.
 */
export function checkHolderName(raw: string): NameCheck {
  const name = raw
    .normalize('NFC')
    .replace(SEPARATOR_LOOKALIKES, NAME_SEPARATOR)
    .trim()
    .replace(/ {2,}/g, ' ')
    .replace(/ ?· ?/g, NAME_SEPARATOR);
  const length = [...name].length;
  if (length === 0) return { ok: false, reason: '姓名不能为空' };
  if (length > NAME_MAX_CODE_POINTS) return { ok: false, reason: `姓名不能超过${NAME_MAX_CODE_POINTS}个字` };
  // \p{Nl} admits 〇 (U+3007), which real Chinese names use.
  if (!/^[\p{L}\p{Nl}\p{M}]+(?:[ ·][\p{L}\p{Nl}\p{M}]+)*$/u.test(name)) {
    return { ok: false, reason: '姓名只能包含文字，间隔号“·”只能用在两部分之间' };
  }
  if (/^\p{M}/u.test(name)) return { ok: false, reason: '姓名不能以组合符号开头' };
  return { ok: true, name };
}

/** Keeps the surname (the first code point, Ext-B included), masks the rest but keeps separators. */
export function maskHolderName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  return chars[0] + chars.slice(1).map((c) => (c === NAME_SEPARATOR || c === ' ' ? c : '*')).join('');
}
