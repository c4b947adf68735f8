import { createHash, hkdfSync } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { getSecret } from '../config/secrets';
import { CHALLENGE_COST, challengeCounterMax } from '../domain/lockout';
import { markChallengeUsed } from '../repository/challenges';

/**
 * Proof-of-work challenges (ALTCHA, self-hosted: no third-party service, nothing about the person leaves the
 * browser). Asked only of a source that failed while its identity is under attack (shared/domain/lockout.ts). A
 * challenge is signed, bound to the (identity, source) it was issued for, expires in 10 minutes and is accepted once.
 * The signing keys are derived from the session key, so no further secret has to be deployed.
 */
export const CHALLENGE_TTL_SECONDS = 10 * 60;

let keys: Promise<{ signature: string; keySignature: string }> | undefined;
function challengeKeys() {
  keys ??= getSecret('jwtKey').then((secret) => {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'ecert', info, 32)).toString('hex');
    return { signature: derive('altcha-signature'), keySignature: derive('altcha-key-signature') };
  });
  keys.catch(() => (keys = undefined));
  return keys;
}

/** What a challenge is bound to: a digest of the attempt scope, so it says nothing about the identity itself. */
export const challengeScope = (parts: readonly string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

export async function issueChallenge(scope: string, sourceFailures: number, now: Date): Promise<Challenge> {
  const { signature, keySignature } = await challengeKeys();
  const max = challengeCounterMax(sourceFailures);
  return createChallenge({
    algorithm: 'PBKDF2/SHA-256',
    cost: CHALLENGE_COST,
    counter: randomInt(Math.floor(max / 2), max),
    deriveKey,
    hmacSignatureSecret: signature,
    hmacKeySignatureSecret: keySignature,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000),
    data: { scope },
  });
}

/** True only for a solved, unexpired, unused challenge issued for this scope; the solution is then used up. */
export async function acceptSolution(encoded: string | undefined, scope: string, now: Date): Promise<boolean> {
  if (!encoded || encoded.length > 8192) return false;
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Payload;
  } catch {
    return false;
  }
  if (!payload?.challenge?.parameters || !payload.solution || payload.challenge.parameters.data?.scope !== scope) return false;
  const { signature, keySignature } = await challengeKeys();
  const result = await verifySolution({
    challenge: payload.challenge,
    solution: payload.solution,
    deriveKey,
    hmacSignatureSecret: signature,
    hmacKeySignatureSecret: keySignature,
  }).catch(() => undefined);
  if (!result?.verified) return false;
  const expiresAt = payload.challenge.parameters.expiresAt;
  return markChallengeUsed(payload.challenge.parameters.nonce, new Date(expiresAt ? expiresAt * 1000 : now.getTime() + CHALLENGE_TTL_SECONDS * 1000));
}

/** Tests rotate the session key file. */
export function resetChallengeKeys(): void {
  keys = undefined;
}
