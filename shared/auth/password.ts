import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password policy and storage: scrypt from node:crypto with a per-user salt, parameters stored with the hash so they
 * can be raised later without breaking old hashes, and a constant-time comparison.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordCheck = { ok: true } | { ok: false; reason: string };

export function checkPasswordPolicy(raw: string): PasswordCheck {
  // Judged in the form that is hashed, so composed and decomposed input get one answer.
  const password = raw.normalize('NFC');
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return { ok: false, reason: `密码至少${PASSWORD_MIN_LENGTH}位` };
  if (length > PASSWORD_MAX_LENGTH) return { ok: false, reason: `密码不能超过${PASSWORD_MAX_LENGTH}位` };
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) return { ok: false, reason: '密码须同时包含字母和数字' };
  return { ok: true };
}

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;

/** False for a wrong password and for a stored value that is not a hash we could have written. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  if (!isPowerOfTwo(params.N) || params.N > 2 ** 20 || !(params.r >= 1 && params.r <= 32) || !(params.p >= 1 && params.p <= 16)) {
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), params).catch(() => undefined);
  return actual !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spends the same work as a real check, so an unknown ID answers in the same time as a wrong password. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('ecert-dummy-password-0');
  await verifyPassword(password, await dummyHash);
}
