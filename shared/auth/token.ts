import { SignJWT, jwtVerify, errors } from 'jose';
import { getSecret } from '../config/secrets';

/**
 * Holder session tokens: HS256 JWTs signed with the stack's JWT key (Secrets Manager; locally a file in the data
 * folder). The token carries the holder id and a token version; changing the password bumps the version, so every
 * older token stops working.
 */
export const TOKEN_TTL_SECONDS = 3600;
const ISSUER = 'ecert';
const AUDIENCE = 'ecert-holder';

export interface SessionClaims {
  holderId: string;
  tokenVersion: number;
}

let keyPromise: Promise<Uint8Array> | undefined;
function signingKey(): Promise<Uint8Array> {
  keyPromise ??= getSecret('jwtKey').then((secret) => new TextEncoder().encode(secret));
  keyPromise.catch(() => (keyPromise = undefined));
  return keyPromise;
}

export async function issueToken(claims: SessionClaims, now: Date = new Date()): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ tv: claims.tokenVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.holderId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await signingKey());
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

export type TokenCheck = { ok: true; claims: SessionClaims } | { ok: false; reason: 'expired' | 'invalid' };

export async function verifyToken(token: string, now: Date = new Date()): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, await signingKey(), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.tv !== 'number') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { holderId: payload.sub, tokenVersion: payload.tv } };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

/** Tests rotate the key file; production keys change only with a new container. */
export function resetTokenKey(): void {
  keyPromise = undefined;
}
