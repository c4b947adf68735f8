import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password policy and storage: scrypt from node:crypto with a per-user salt, parameters stored with the hash so they
 * can be raised later without breaking old hashes (an older hash is rewritten at the next successful login, see
 * `needsRehash`), and a constant-time comparison.
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

/**
 * OWASP's current scrypt recommendation (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1. One hash needs
 * 128·N·r bytes = 128 MiB of memory and about 0.6 s of one core here (2-core EPYC); the functions that hash are sized
 * for it (shared/resources/functions.ts).
 */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Room for the current parameters (128 MiB) and no more: a stored hash asking for more is refused, not computed. */
const SCRYPT_MAX_MEMORY = 256 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: SCRYPT_MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True for a stored hash made with other parameters than today's: rehash it once the password is known to be right. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== SCRYPT_PARAMS.N || Number(r) !== SCRYPT_PARAMS.r || Number(p) !== SCRYPT_PARAMS.p;
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
