import { describe, expect, it } from 'vitest';
import {
  checkHolderName,
  checkIdNumber,
  gb11643CheckChar,
  ID_TYPES,
  isIdType,
  maskHolderName,
  maskIdNumber,
  maskIdNumberPublic,
  NAME_SEPARATOR,
  normalizeIdNumber,
  type IdType,
} from '../../shared/domain/identity';

/**
 * R7 identity rules. The GB 11643 check character is checked against an independent implementation of
 * ISO 7064 MOD 11-2 (weights 2^(i-1) mod 11 counted from the right, check = (12 - sum mod 11) mod 11, 10 → X),
 * written from the standard rather than copied from the module's weight table.
 */
function iso7064Mod11_2(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const positionFromRight = 18 - i; // the check character is position 1
    sum += Number(first17[i]) * (2 ** (positionFromRight - 1) % 11);
  }
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const digits = (random: () => number, n: number) =>
  Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');

/** A 17-digit prefix with a real birth date between 1900-01-01 and 2020-12-31. */
function residentPrefix(random: () => number): string {
  const birth = new Date(Date.UTC(1900, 0, 1) + Math.floor(random() * (Date.UTC(2021, 0, 1) - Date.UTC(1900, 0, 1))));
  const yyyymmdd = birth.toISOString().slice(0, 10).replace(/-/g, '');
  return digits(random, 6) + yyyymmdd + digits(random, 3);
}

const withCheck = (first17: string) => first17 + iso7064Mod11_2(first17);
/** Any check character other than the right one. */
const wrongCheck = (first17: string) => {
  const right = iso7064Mod11_2(first17);
  return first17 + (right === '0' ? '1' : '0');
};

const TODAY = new Date(Date.UTC(2026, 0, 15, 12));
/** Published examples: the long-circulated 1949 sample and the GB 11643-1999 annex (born 1880, so only its check character is used). */
const KNOWN_CHECK_CHARS = ['11010519491231002X', '440524188001010014'];
const KNOWN_VALID = ['11010519491231002X'];

describe('gb11643CheckChar', () => {
  it('gives the published check characters of known numbers', () => {
    // Prepare / Act / Assess
    for (const id of KNOWN_CHECK_CHARS) {
      expect(gb11643CheckChar(id.slice(0, 17))).toBe(id[17]);
      expect(iso7064Mod11_2(id.slice(0, 17))).toBe(id[17]);
    }
  });

  it('agrees with an independent MOD 11-2 implementation on 2,000 random prefixes', () => {
    // Prepare
    const random = prng(0x11643);
    const prefixes = Array.from({ length: 2000 }, () => digits(random, 17));

    // Act
    const mismatches = prefixes.filter((p) => gb11643CheckChar(p) !== iso7064Mod11_2(p));

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('produces every check character, including X, over random prefixes', () => {
    // Prepare
    const random = prng(7);

    // Act
    const seen = new Set(Array.from({ length: 500 }, () => gb11643CheckChar(digits(random, 17))));

    // Assess
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });
});

describe('normalizeIdNumber', () => {
  it('applies NFKC, drops whitespace and hyphens, upper-cases', () => {
    expect(normalizeIdNumber(' １１０１０５-1949 1231\u3000002ｘ ')).toBe('11010519491231002X');
  });
});

describe('isIdType', () => {
  it('accepts exactly the five document types', () => {
    for (const type of ID_TYPES) expect(isIdType(type)).toBe(true);
    for (const other of ['resident_id', 'ID_CARD', '', undefined, 1, null]) expect(isIdType(other)).toBe(false);
  });
});

describe('checkIdNumber — RESIDENT_ID', () => {
  it('accepts known valid numbers and returns them unchanged', () => {
    for (const id of KNOWN_VALID) expect(checkIdNumber('RESIDENT_ID', id, TODAY)).toEqual({ ok: true, idNumber: id });
  });

  it('accepts 500 random numbers with a real birth date and the right check character', () => {
    // Prepare
    const random = prng(2026);
    const ids = Array.from({ length: 500 }, () => withCheck(residentPrefix(random)));

    // Act
    const rejected = ids.filter((id) => !checkIdNumber('RESIDENT_ID', id, TODAY).ok);

    // Assess
    expect(rejected).toEqual([]);
  });

  it('rejects every wrong check character', () => {
    // Prepare
    const random = prng(99);
    const prefixes = Array.from({ length: 50 }, () => residentPrefix(random));

    // Act / Assess
    for (const prefix of prefixes) {
      const right = iso7064Mod11_2(prefix);
      for (const c of '0123456789X') {
        const result = checkIdNumber('RESIDENT_ID', prefix + c, TODAY);
        expect(result.ok, `${prefix}${c}`).toBe(c === right);
        if (!result.ok) expect(result.reason).toContain('校验位');
      }
    }
  });

  it.each([
    ['Feb 30', '19990230'],
    ['Feb 29 in a common year', '19990229'],
    ['Feb 29 in 1900 (not a leap year)', '19000229'],
    ['month 13', '19991301'],
    ['month 00', '19990001'],
    ['day 00', '19990100'],
    ['day 32', '19990132'],
    ['April 31', '19990431'],
    ['before 1900', '18991231'],
    ['tomorrow', '20260116'],
    ['next year', '20270101'],
  ])('rejects an impossible birth date (%s) even with a matching check character', (_label, yyyymmdd) => {
    // Prepare
    const id = withCheck(`110105${yyyymmdd}123`);

    // Act
    const result = checkIdNumber('RESIDENT_ID', id, TODAY);

    // Assess
    expect(result).toEqual({ ok: false, reason: '居民身份证号码中的出生日期无效' });
  });

  it('accepts Feb 29 of a leap year and a birth date of today', () => {
    expect(checkIdNumber('RESIDENT_ID', withCheck('11010520000229123'), TODAY).ok).toBe(true);
    expect(checkIdNumber('RESIDENT_ID', withCheck('11010520260115123'), TODAY).ok).toBe(true);
  });

  it('bounds birth dates by the injected today, not the real clock', () => {
    // Prepare
    const id = withCheck('11010520260115123');

    // Act
    const before = checkIdNumber('RESIDENT_ID', id, new Date(Date.UTC(2026, 0, 14)));
    const after = checkIdNumber('RESIDENT_ID', id, new Date(Date.UTC(2026, 0, 16)));

    // Assess
    expect(before.ok).toBe(false);
    expect(after.ok).toBe(true);
  });

  it('normalises a lower-case x, spaces, hyphens and full-width characters', () => {
    // Prepare
    const inputs = [
      '11010519491231002x',
      ' 110105 19491231 002X ',
      '110105-19491231-002x',
      '１１０１０５１９４９１２３１００２Ｘ',
      '１１０１０５１９４９１２３１００２ｘ',
      '110105\u300019491231\u3000002X',
    ];

    // Act
    const results = inputs.map((raw) => checkIdNumber('RESIDENT_ID', raw, TODAY));

    // Assess
    for (const result of results) expect(result).toEqual({ ok: true, idNumber: '11010519491231002X' });
  });

  it.each([
    ['17 characters', '11010519491231002'],
    ['19 characters', '11010519491231002X1'],
    ['X not last', '1101051949123100X2'],
    ['a letter', '11010519491231A02X'],
    ['empty', ''],
  ])('rejects a malformed number (%s)', (_label, raw) => {
    const result = checkIdNumber('RESIDENT_ID', raw, TODAY);
    expect(result).toEqual({ ok: false, reason: '居民身份证号码应为18位（最后一位可为X）' });
  });
});

describe('checkIdNumber — other document types', () => {
  const foreign2023 = withCheck('93005619900101123');

  it.each<[IdType, string, string]>([
    ['PASSPORT', 'E12345678', 'E12345678'],
    ['PASSPORT', 'e1234 5678', 'E12345678'],
    ['PASSPORT', 'AB123', 'AB123'],
    ['PASSPORT', 'A'.repeat(20), 'A'.repeat(20)],
    ['PASSPORT', 'ｇ１２３４５６７８', 'G12345678'],
    ['HK_MACAO_PERMIT', 'H12345678', 'H12345678'],
    ['HK_MACAO_PERMIT', 'm1234567890', 'M1234567890'],
    ['HK_MACAO_PERMIT', 'H-1234-5678', 'H12345678'],
    ['TAIWAN_PERMIT', '12345678', '12345678'],
    ['TAIWAN_PERMIT', '1234567890', '1234567890'],
    ['TAIWAN_PERMIT', '１２３４５６７８', '12345678'],
    ['FOREIGN_PERMANENT_ID', 'USA123456789012', 'USA123456789012'],
    ['FOREIGN_PERMANENT_ID', 'usa 1234 5678 9012', 'USA123456789012'],
    ['FOREIGN_PERMANENT_ID', foreign2023, foreign2023],
    ['FOREIGN_PERMANENT_ID', foreign2023.toLowerCase(), foreign2023],
  ])('%s accepts %j as %j', (idType, raw, normalised) => {
    expect(checkIdNumber(idType, raw, TODAY)).toEqual({ ok: true, idNumber: normalised });
  });

  it.each<[IdType, string]>([
    ['PASSPORT', 'E123'],
    ['PASSPORT', 'A'.repeat(21)],
    ['PASSPORT', 'E1234567@'],
    ['PASSPORT', 'E1234567.'],
    ['PASSPORT', ''],
    ['HK_MACAO_PERMIT', 'H1234567'],
    ['HK_MACAO_PERMIT', 'H123456789'],
    ['HK_MACAO_PERMIT', 'X12345678'],
    ['HK_MACAO_PERMIT', '12345678'],
    ['TAIWAN_PERMIT', '1234567'],
    ['TAIWAN_PERMIT', '123456789'],
    ['TAIWAN_PERMIT', 'T12345678'],
    ['FOREIGN_PERMANENT_ID', 'US123456789012'],
    ['FOREIGN_PERMANENT_ID', 'USA12345678901'],
    ['FOREIGN_PERMANENT_ID', wrongCheck(foreign2023.slice(0, 17))],
    ['FOREIGN_PERMANENT_ID', withCheck('11010519491231002')],
  ])('%s rejects %j', (idType, raw) => {
    expect(checkIdNumber(idType, raw, TODAY).ok).toBe(false);
  });
});

describe('checkIdNumber reasons', () => {
  it('never echo the ID number (or any long run of its digits)', () => {
    // Prepare
    const random = prng(5);
    const cases: [IdType, string][] = [];
    for (let i = 0; i < 40; i++) {
      const prefix = residentPrefix(random);
      cases.push(['RESIDENT_ID', wrongCheck(prefix)], ['RESIDENT_ID', prefix], ['FOREIGN_PERMANENT_ID', wrongCheck(`9${prefix.slice(1)}`)]);
      cases.push(['RESIDENT_ID', withCheck(`${prefix.slice(0, 6)}1999023${i % 10}${prefix.slice(14)}`)]);
    }
    cases.push(['PASSPORT', 'SECRET12345678901234567'], ['HK_MACAO_PERMIT', 'H987654321'], ['TAIWAN_PERMIT', '987654321']);

    // Act
    const failures = cases.map(([idType, raw]) => ({ raw, result: checkIdNumber(idType, raw, TODAY) }));

    // Assess
    for (const { raw, result } of failures) {
      expect(result.ok, raw).toBe(false);
      if (result.ok) continue;
      expect(result.reason).not.toContain(raw);
      expect(result.reason).not.toContain(normalizeIdNumber(raw));
      expect(result.reason).not.toMatch(/\d{4,}/);
      expect(result.reason).not.toMatch(/SECRET/i);
    }
  });
});

describe('maskIdNumber', () => {
  it.each([
    ['11010519491231002X', '110***********002X'],
    ['1234567890', '123***7890'],
    ['E12345678', 'E******78'],
    ['AB123', 'A**23'],
    ['ABCD', '****'],
    ['', ''],
  ])('masks %j as %j', (id, masked) => {
    expect(maskIdNumber(id)).toBe(masked);
  });

  it('hides the birth date and keeps the length of a resident ID', () => {
    // Prepare
    const id = '11010519880315123X';

    // Act
    const masked = maskIdNumber(id);

    // Assess
    expect(masked).toHaveLength(id.length);
    expect(masked).not.toContain('19880315');
    expect(masked).not.toContain('0315');
  });
});

describe('maskIdNumberPublic', () => {
  it.each([
    ['11010519491231002X', '1****************X'],
    ['E12345678', 'E*******8'],
    ['AB1', 'A*1'],
    ['AB', '**'],
    ['', ''],
  ])('masks %j as %j', (id, masked) => {
    expect(maskIdNumberPublic(id)).toBe(masked);
  });

  it('shows no more than the first and the last character of any ID number', () => {
    for (const id of ['11010519880315123X', '91010519880315123X', 'H12345678', 'ABC123456789012']) {
      // Act
      const shown = [...maskIdNumberPublic(id)].filter((c) => c !== '*');

      // Assess
      expect(shown).toEqual([id[0], id[id.length - 1]]);
    }
  });
});

describe('checkHolderName', () => {
  it('accepts a plain Chinese name unchanged', () => {
    expect(checkHolderName('张三')).toEqual({ ok: true, name: '张三' });
  });

  it('returns the NFC form of decomposed input', () => {
    // Prepare
    const decomposed = 'Jose\u0301 Mun\u0303oz';

    // Act
    const result = checkHolderName(decomposed);

    // Assess
    expect(result).toEqual({ ok: true, name: 'Jos\u00e9 Mu\u00f1oz' });
  });

  it('counts code points, not UTF-16 units: 50 Ext-B characters pass, 51 do not', () => {
    // Prepare
    const fifty = '𠮷'.repeat(50);
    const fiftyOne = '𠮷'.repeat(51);

    // Act
    const ok = checkHolderName(fifty);
    const tooLong = checkHolderName(fiftyOne);

    // Assess
    expect(fifty).toHaveLength(100);
    expect(ok).toEqual({ ok: true, name: fifty });
    expect(tooLong).toEqual({ ok: false, reason: '姓名不能超过50个字' });
  });

  it('limits BMP names to 50 characters', () => {
    expect(checkHolderName('张'.repeat(50)).ok).toBe(true);
    expect(checkHolderName('张'.repeat(51)).ok).toBe(false);
  });

  it('counts after NFC: 50 decomposed letters (100 code points) fit', () => {
    // Prepare
    const decomposed = 'e\u0301'.repeat(50);

    // Act
    const result = checkHolderName(decomposed);

    // Assess
    expect(result).toEqual({ ok: true, name: '\u00e9'.repeat(50) });
  });

  it('preserves Ext-B and later extension characters byte for byte', () => {
    // Prepare: Ext-B 𠮷 𪚥, Ext-C 𪜀, Ext-E 𫠠, Ext-G 𰀀
    const name = '𠮷𪚥·𪜀𫠠𰀀';

    // Act
    const result = checkHolderName(name);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Buffer.from(result.name, 'utf8').equals(Buffer.from(name, 'utf8'))).toBe(true);
    expect([...result.name].map((c) => c.codePointAt(0)!.toString(16))).toEqual(['20bb7', '2a6a5', 'b7', '2a700', '2b820', '30000']);
  });

  it('accepts U+00B7 between parts, also several times', () => {
    expect(checkHolderName('阿卜杜·热合曼')).toEqual({ ok: true, name: '阿卜杜·热合曼' });
    expect(checkHolderName('玛丽·安·史密斯')).toEqual({ ok: true, name: '玛丽·安·史密斯' });
  });

  it.each([
    ['bullet U+2022', '\u2022'],
    ['hyphenation point U+2027', '\u2027'],
    ['katakana middle dot U+30FB', '\u30FB'],
    ['half-width katakana middle dot U+FF65', '\uFF65'],
    ['bullet operator U+2219', '\u2219'],
    ['dot operator U+22C5', '\u22C5'],
    ['Greek ano teleia U+0387', '\u0387'],
  ])('normalises the look-alike %s to U+00B7', (_label, dot) => {
    // Act
    const result = checkHolderName(`阿卜杜${dot}热合曼`);

    // Assess
    expect(result).toEqual({ ok: true, name: `阿卜杜${NAME_SEPARATOR}热合曼` });
    if (result.ok) expect(result.name.codePointAt(3)).toBe(0xb7);
  });

  it.each([
    ['leading separator', '·张三'],
    ['trailing separator', '张三·'],
    ['double separator', '阿卜杜··热合曼'],
    ['double look-alike separator', '阿卜杜•・热合曼'],
    ['only a separator', '·'],
  ])('rejects a misplaced separator (%s)', (_label, raw) => {
    expect(checkHolderName(raw)).toEqual({ ok: false, reason: '姓名只能包含文字，间隔号“·”只能用在两部分之间' });
  });

  it('drops spaces typed around the separator', () => {
    expect(checkHolderName('阿卜杜 · 热合曼')).toEqual({ ok: true, name: '阿卜杜·热合曼' });
    expect(checkHolderName('阿卜杜 ·热合曼')).toEqual({ ok: true, name: '阿卜杜·热合曼' });
  });

  it('accepts 〇 (U+3007), a letter number real names use', () => {
    expect(checkHolderName('王〇明')).toEqual({ ok: true, name: '王〇明' });
  });

  it.each([
    ['ASCII digit', '张三1'],
    ['full-width digit', '张三１'],
    ['exclamation mark', '张三!'],
    ['comma', '张,三'],
    ['full stop', '张.三'],
    ['ideographic full stop', '张三。'],
    ['apostrophe', "O'Brien"],
    ['hyphen', '张-三'],
    ['underscore', '张_三'],
    ['emoji', '张😀'],
    ['angle brackets', '<b>张</b>'],
    ['line break', '张\n三'],
  ])('rejects digits and punctuation (%s)', (_label, raw) => {
    expect(checkHolderName(raw).ok).toBe(false);
  });

  it('accepts Latin names with single spaces and collapses repeated or surrounding spaces', () => {
    expect(checkHolderName('John Smith')).toEqual({ ok: true, name: 'John Smith' });
    expect(checkHolderName('  John   Ronald  Smith ')).toEqual({ ok: true, name: 'John Ronald Smith' });
  });

  it('rejects empty and blank names', () => {
    expect(checkHolderName('')).toEqual({ ok: false, reason: '姓名不能为空' });
    expect(checkHolderName('   ')).toEqual({ ok: false, reason: '姓名不能为空' });
  });

  it('rejects a name that starts with a combining mark', () => {
    expect(checkHolderName('\u0301张三').ok).toBe(false);
  });
});

describe('maskHolderName', () => {
  it.each([
    ['张三', '张*'],
    ['张三丰', '张**'],
    ['张', '张'],
    ['阿卜杜·热合曼', '阿**·***'],
    ['John Smith', 'J*** *****'],
  ])('masks %j as %j', (name, masked) => {
    expect(maskHolderName(name)).toBe(masked);
  });

  it('keeps an Ext-B surname whole and masks by code point', () => {
    // Prepare
    const name = '𠮷𪚥𪜀';

    // Act
    const masked = maskHolderName(name);

    // Assess
    expect(masked).toBe('𠮷**');
    // Well-formed: no half of a surrogate pair survives (a lone surrogate would turn into U+FFFD).
    expect(Buffer.from(masked, 'utf8').toString('utf8')).toBe(masked);
  });

  it('masks Ext-B given names with one * per code point', () => {
    expect(maskHolderName('王𠮷𠮷')).toBe('王**');
  });
});
