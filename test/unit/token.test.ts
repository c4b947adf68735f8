import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueToken, resetTokenKey, TOKEN_TTL_SECONDS, verifyToken } from '../../shared/auth/token';
import { clearSecretCache } from '../../shared/config/secrets';

const KEY = 'test-jwt-key-0123456789abcdef0123456789abcdef';
const OTHER_KEY = 'another-jwt-key-fedcba9876543210fedcba98765432';
const NOW = new Date('2026-03-01T08:00:00.000Z');
const CLAIMS = { holderId: 'holder-7f3a', tokenVersion: 3 };

let dir: string;
const savedSecretsDir = process.env.ECERT_LOCAL_SECRETS_DIR;

async function useKey(key: string): Promise<void> {
  await writeFile(join(dir, 'jwt-key'), `${key}\n`);
  clearSecretCache();
  resetTokenKey();
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** Signs a token with the given key and claims, overriding issuer/audience as asked. */
function sign(key: string, { issuer = 'ecert', audience = 'ecert-holder', tv = 3 as unknown, sub = 'holder-7f3a' } = {}) {
  return new SignJWT({ tv } as Record<string, unknown>)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(epoch(NOW))
    .setExpirationTime(epoch(NOW) + 3600)
    .sign(new TextEncoder().encode(key));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecert-token-'));
  process.env.ECERT_LOCAL_SECRETS_DIR = dir;
});
beforeEach(async () => {
  await useKey(KEY);
});
afterAll(async () => {
  if (savedSecretsDir === undefined) delete process.env.ECERT_LOCAL_SECRETS_DIR;
  else process.env.ECERT_LOCAL_SECRETS_DIR = savedSecretsDir;
  clearSecretCache();
  resetTokenKey();
  await rm(dir, { recursive: true, force: true });
});

describe('issueToken / verifyToken', () => {
  it('round-trips the holder id and token version', async () => {
    // Act
    const { token } = await issueToken(CLAIMS, NOW);
    const check = await verifyToken(token, new Date(NOW.getTime() + 60_000));

    // Assess
    expect(check).toEqual({ ok: true, claims: CLAIMS });
  });

  it('issues an HS256 JWT for the ecert issuer and holder audience', async () => {
    // Act
    const { token } = await issueToken(CLAIMS, NOW);

    // Assess
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({
      sub: 'holder-7f3a',
      tv: 3,
      iss: 'ecert',
      aud: 'ecert-holder',
      iat: epoch(NOW),
      exp: epoch(NOW) + 3600,
    });
  });

  it('expires one hour after now', async () => {
    // Act
    const { token, expiresAt } = await issueToken(CLAIMS, NOW);

    // Assess
    expect(TOKEN_TTL_SECONDS).toBe(3600);
    expect(expiresAt).toBe('2026-03-01T09:00:00.000Z');
    expect(decodeJwt(token).exp).toBe(epoch(new Date(expiresAt)));
  });

  it('expires on whole seconds, never later than one hour after a now with milliseconds', async () => {
    // Prepare
    const now = new Date('2026-03-01T08:00:00.750Z');

    // Act
    const { expiresAt } = await issueToken(CLAIMS, now);

    // Assess
    const ms = new Date(expiresAt).getTime() - now.getTime();
    expect(ms).toBeLessThanOrEqual(3_600_000);
    expect(ms).toBeGreaterThan(3_599_000);
  });

  it('is valid one second before expiry and expired at and after expiry', async () => {
    // Prepare
    const { token, expiresAt } = await issueToken(CLAIMS, NOW);
    const expiry = new Date(expiresAt).getTime();

    // Act
    const justBefore = await verifyToken(token, new Date(expiry - 1000));
    const atExpiry = await verifyToken(token, new Date(expiry));
    const dayLater = await verifyToken(token, new Date(expiry + 86_400_000));

    // Assess
    expect(justBefore.ok).toBe(true);
    expect(atExpiry).toEqual({ ok: false, reason: 'expired' });
    expect(dayLater).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token signed with another key (key file rewritten, caches reset)', async () => {
    // Prepare
    const { token } = await issueToken(CLAIMS, NOW);
    await useKey(OTHER_KEY);

    // Act
    const check = await verifyToken(token, NOW);
    const fresh = await issueToken(CLAIMS, NOW);

    // Assess
    expect(check).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifyToken(fresh.token, NOW)).toEqual({ ok: true, claims: CLAIMS });
  });

  it('keeps using the cached key until the caches are reset', async () => {
    // Prepare
    const { token } = await issueToken(CLAIMS, NOW);
    await writeFile(join(dir, 'jwt-key'), OTHER_KEY);

    // Act
    const cached = await verifyToken(token, NOW);
    clearSecretCache();
    resetTokenKey();
    const reloaded = await verifyToken(token, NOW);

    // Assess
    expect(cached.ok).toBe(true);
    expect(reloaded).toEqual({ ok: false, reason: 'invalid' });
  });

  it('recovers from a missing key file once it appears, without a manual cache reset', async () => {
    // Prepare
    await rm(join(dir, 'jwt-key'));
    clearSecretCache();
    resetTokenKey();

    // Act
    const missing = issueToken(CLAIMS, NOW);
    await expect(missing).rejects.toThrow();
    await writeFile(join(dir, 'jwt-key'), KEY);
    const { token } = await issueToken(CLAIMS, NOW);

    // Assess
    expect(await verifyToken(token, NOW)).toEqual({ ok: true, claims: CLAIMS });
  });

  it('refuses a token whose payload was changed (another holder id, higher version)', async () => {
    // Prepare
    const { token } = await issueToken(CLAIMS, NOW);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const otherHolder = [header, b64url({ ...claims, sub: 'holder-0000' }), signature].join('.');
    const higherVersion = [header, b64url({ ...claims, tv: 99 }), signature].join('.');

    // Act / Assess
    expect(await verifyToken(otherHolder, NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifyToken(higherVersion, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses an expired token whose exp was pushed out (the signature no longer matches)', async () => {
    // Prepare
    const { token } = await issueToken(CLAIMS, NOW);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const extended = [header, b64url({ ...claims, exp: epoch(NOW) + 86_400 * 365 }), signature].join('.');

    // Act
    const check = await verifyToken(extended, new Date(NOW.getTime() + 2 * 3_600_000));

    // Assess
    expect(check).toEqual({ ok: false, reason: 'invalid' });
  });

  it("refuses an unsigned token (alg 'none')", async () => {
    // Prepare
    const payload = { sub: 'holder-7f3a', tv: 3, iss: 'ecert', aud: 'ecert-holder', iat: epoch(NOW), exp: epoch(NOW) + 3600 };
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;

    // Act
    const check = await verifyToken(unsigned, NOW);

    // Assess
    expect(check).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a real token relabelled as HS512', async () => {
    // Prepare: re-label a real HS256 token as HS512 without re-signing
    const { token } = await issueToken(CLAIMS, NOW);
    const [, payload, signature] = token.split('.');
    const relabelled = [b64url({ alg: 'HS512', typ: 'JWT' }), payload, signature].join('.');

    // Act / Assess
    expect(await verifyToken(relabelled, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('accepts a token it did not issue itself when claims and key match (control for the next cases)', async () => {
    const token = await sign(KEY);
    expect(await verifyToken(token, NOW)).toEqual({ ok: true, claims: CLAIMS });
  });

  it.each([
    ['another audience', { audience: 'ecert-operator' }],
    ['another issuer', { issuer: 'someone-else' }],
    ['a token version that is not a number', { tv: '3' }],
    ['a null token version', { tv: null }],
  ])('refuses a token signed with the same key but %s', async (_label, options) => {
    // Prepare
    const token = await sign(KEY, options);

    // Act
    const check = await verifyToken(token, NOW);

    // Assess
    expect(check).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each(['', 'not-a-jwt', 'a.b.c', 'Bearer x.y.z'])('refuses the garbage token %j as invalid', async (token) => {
    expect(await verifyToken(token, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });
});
