import { scryptSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  burnPasswordCheck,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from '../../shared/auth/password';

const PASSWORD = 'correct horse 42';

describe('checkPasswordPolicy', () => {
  it.each([
    ['8 ASCII letters and digits', 'abcd1234'],
    ['Chinese letters count as letters', '密码密码密码12'],
    ['Greek letters', 'αβγδεζη1'],
    ['full-width digits count as digits', 'abcdefg１'],
    ['punctuation is allowed besides', 'a1!@#$%^'],
    ['128 code points', `a1${'x'.repeat(126)}`],
  ])('accepts %s', (_label, password) => {
    expect(checkPasswordPolicy(password)).toEqual({ ok: true });
  });

  it('counts code points, not UTF-16 units: 8 Ext-B characters and a digit pass, 7 code points do not', () => {
    // Prepare
    const eight = `${'𠮷'.repeat(7)}1`; // 8 code points, 15 UTF-16 units
    const seven = `${'𠮷'.repeat(6)}1`; // 7 code points, 13 UTF-16 units

    // Act
    const ok = checkPasswordPolicy(eight);
    const short = checkPasswordPolicy(seven);

    // Assess
    expect(seven.length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
    expect(ok).toEqual({ ok: true });
    expect(short).toEqual({ ok: false, reason: '密码至少8位' });
  });

  it('limits the length in code points: 128 Ext-B code points pass, 129 do not', () => {
    // Prepare
    const max = `1${'𠮷'.repeat(PASSWORD_MAX_LENGTH - 1)}`;
    const over = `1${'𠮷'.repeat(PASSWORD_MAX_LENGTH)}`;

    // Act / Assess
    expect(max.length).toBeGreaterThan(PASSWORD_MAX_LENGTH);
    expect(checkPasswordPolicy(max)).toEqual({ ok: true });
    expect(checkPasswordPolicy(over)).toEqual({ ok: false, reason: '密码不能超过128位' });
  });

  it.each([
    ['7 characters', 'abc1234', '密码至少8位'],
    ['empty', '', '密码至少8位'],
    ['digits only', '12345678', '密码须同时包含字母和数字'],
    ['letters only', 'abcdefgh', '密码须同时包含字母和数字'],
    ['Chinese letters only', '密码密码密码密码', '密码须同时包含字母和数字'],
    ['punctuation and digits only', '!!!!1234', '密码须同时包含字母和数字'],
  ])('rejects %s', (_label, password, reason) => {
    expect(checkPasswordPolicy(password)).toEqual({ ok: false, reason });
  });

  it('never echoes the password in the reason', () => {
    for (const password of ['Sx9', 'SECRETSECRET', '99999999999']) {
      const result = checkPasswordPolicy(password);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).not.toContain(password);
    }
  });

  // BUG: the policy counts code points of the raw input, while hashing normalises to NFC, so one password (as stored
  // and verified) gets two answers: 'éééé123' decomposed is 11 code points (accepted), composed 7 (rejected).
  it('judges the composed and decomposed forms of one password alike', () => {
    // Prepare
    const composed = `${'\u00e9'.repeat(4)}123`;
    const decomposed = `${'e\u0301'.repeat(4)}123`;

    // Act / Assess
    expect(checkPasswordPolicy(decomposed)).toEqual(checkPasswordPolicy(composed));
  });
});

describe('hashPassword / verifyPassword', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword(PASSWORD);
  });

  it('stores scrypt$N$r$p$salt$hash with base64url salt (16 bytes) and hash (32 bytes)', () => {
    // Act
    const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');

    // Assess
    expect(scheme).toBe('scrypt');
    expect([n, r, p]).toEqual(['131072', '8', '1']);
    expect(salt).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(hash).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64url')).toHaveLength(32);
    expect(rest).toEqual([]);
    expect(stored).not.toContain(PASSWORD);
  });

  it('is plain scrypt over the NFC password with the stored salt and parameters', () => {
    // Prepare
    const [, n, r, p, salt, hash] = stored.split('$');

    // Act
    const expected = scryptSync(PASSWORD.normalize('NFC'), Buffer.from(salt!, 'base64url'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 256 * 1024 * 1024,
    });

    // Assess
    expect(expected.toString('base64url')).toBe(hash);
  });

  it('salts per user: the same password hashes differently each time', async () => {
    // Act
    const again = await hashPassword(PASSWORD);

    // Assess
    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(stored.split('$')[4]);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
  });

  it('verifies the right password and refuses wrong ones', async () => {
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword('correct horse 43', stored)).toBe(false);
    expect(await verifyPassword('Correct horse 42', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it.each([
    ['a flipped hash character', (parts: string[]) => { parts[5] = (parts[5]![0] === 'A' ? 'B' : 'A') + parts[5]!.slice(1); }],
    ['another salt', (parts: string[]) => { parts[4] = Buffer.alloc(16, 7).toString('base64url'); }],
    ['a truncated hash', (parts: string[]) => { parts[5] = parts[5]!.slice(0, -4); }],
    ['a lower cost (N)', (parts: string[]) => { parts[1] = '8192'; }],
  ])('refuses a stored hash with %s', async (_label, tamper) => {
    // Prepare
    const parts = stored.split('$');
    tamper(parts);

    // Act
    const ok = await verifyPassword(PASSWORD, parts.join('$'));

    // Assess
    expect(ok).toBe(false);
  });

  it.each(['', 'scrypt', 'scrypt$$$$$', 'plain-text-password', 'bcrypt$16384$8$1$c2FsdA$aGFzaA', `${PASSWORD}`])(
    'answers false, without throwing, for the malformed stored string %j',
    async (bad) => {
      await expect(verifyPassword(PASSWORD, bad)).resolves.toBe(false);
    },
  );

  // BUG: scrypt parameters are passed on unchecked, and node:crypto throws for a non-numeric, non-power-of-two or
  // too-costly N; the throw happens inside the Promise executor, so verifyPassword rejects instead of answering false.
  it.each([
    ['non-numeric parameters', 'scrypt$x$y$z'],
    ['N not a power of two', 'scrypt$3$8$1'],
    ['parameters beyond the memory limit', 'scrypt$1048576$8$1'],
  ])('answers false, without throwing, for %s', async (_label, head) => {
    // Prepare
    const [, , , , salt, hash] = stored.split('$');

    // Act / Assess
    await expect(verifyPassword(PASSWORD, `${head}$${salt}$${hash}`)).resolves.toBe(false);
  });

  it('verifies the composed and decomposed forms of a password alike (NFC)', async () => {
    // Prepare
    const composed = 'Jos\u00e9-M\u00fcller-2026';
    const decomposed = 'Jose\u0301-Mu\u0308ller-2026';
    const fromDecomposed = await hashPassword(decomposed);

    // Act / Assess
    expect(composed).not.toBe(decomposed);
    expect(await verifyPassword(composed, fromDecomposed)).toBe(true);
    expect(await verifyPassword(decomposed, fromDecomposed)).toBe(true);
    expect(await verifyPassword('Jose-Muller-2026', fromDecomposed)).toBe(false);
  });

  it('uses OWASP\'s parameters (N = 2^17, r = 8, p = 1), so a fresh hash needs no rehash', () => {
    expect(needsRehash(stored)).toBe(false);
  });

  it('verifies a hash made with the older parameters (N = 2^14) and marks it for rehashing', async () => {
    // Prepare: exactly what the service stored before the parameters were raised
    const salt = Buffer.alloc(16, 3);
    const key = scryptSync(PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 });
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');

    // Act / Assess
    expect(await verifyPassword(PASSWORD, old)).toBe(true);
    expect(await verifyPassword('correct horse 43', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
  });

  it.each(['', 'plain', 'bcrypt$131072$8$1$x$y', 'scrypt$131072$16$1$x$y', 'scrypt$131072$8$2$x$y'])(
    'marks %j for rehashing (another scheme or other parameters)',
    (value) => {
      expect(needsRehash(value)).toBe(true);
    },
  );

  it('burnPasswordCheck resolves for any input', async () => {
    await expect(burnPasswordCheck('whatever-1')).resolves.toBeUndefined();
  });
});
