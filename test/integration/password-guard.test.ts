import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { delayAfterFailures, LOCKOUT } from '../../shared/domain/lockout';
import { HttpProblem } from '../../shared/http/problem';
import { guardedPasswordCheck } from '../../shared/services/password-guard';
import { identity } from '../support/factories';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * Lockout without denial of service, as the use case runs it on DynamoDB Local: an attacking source slows down and is
 * then challenged, while the holder's own source is always let in. (The HTTP path with distinct loopback source
 * addresses is in test/integration/accounts-v2.test.ts.)
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

const wrong = async () => false;
const right = async () => true;

async function outcome(run: Promise<boolean>): Promise<boolean | HttpProblem> {
  try {
    return await run;
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
}

describe('guardedPasswordCheck', () => {
  it('slows a failing source progressively and never holds out the holder\'s own source', async () => {
    // Prepare: the attacker's source fails, coming back a second after each delay it earns (time is passed in, not slept).
    const id = identity();
    let at = Date.now();
    const delays: number[] = [];
    for (let i = 1; i <= 12; i++) {
      const result = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.2', now: new Date(at) }, wrong));
      if (result instanceof HttpProblem) {
        // Under attack (10 identity failures): the attacker is asked for proof of work from here on.
        expect(i).toBeGreaterThan(LOCKOUT.attack.limit);
        expect(result.extra).toMatchObject({ challengeRequired: true });
        break;
      }
      expect(result).toBe(false);
      delays.push(delayAfterFailures(i));
      // Too soon after a delayed failure: a 429 with Retry-After, and the password is not even compared.
      if (delayAfterFailures(i) > 0) {
        let compared = false;
        const early = await outcome(
          guardedPasswordCheck({ ...id, sourceIp: '127.0.0.2', now: new Date(at + 500) }, async () => (compared = true)),
        );
        expect(early).toBeInstanceOf(HttpProblem);
        expect((early as HttpProblem).headers['retry-after']).toBe(String(Math.ceil((delayAfterFailures(i) * 1000 - 500) / 1000)));
        expect(compared).toBe(false);
      }
      at += delayAfterFailures(i) * 1000 + 1000;
    }

    // Act: the holder, from another source, at the same moment.
    const holder = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.3', now: new Date(at) }, right));
    const holderAgain = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.3', now: new Date(at + 1) }, right));

    // Assess
    expect(delays.slice(0, 6)).toEqual([0, 0, 0, 2, 4, 8]);
    expect(holder).toBe(true);
    expect(holderAgain).toBe(true);
  });

  it('lets a challenged source try again with a solved, unused challenge, once', async () => {
    // Prepare: ten failures put the identity under attack.
    const id = identity();
    let at = Date.now();
    for (let i = 1; i <= LOCKOUT.attack.limit; i++) {
      expect(await guardedPasswordCheck({ ...id, sourceIp: '127.0.0.4', now: new Date(at) }, wrong)).toBe(false);
      at += delayAfterFailures(i) * 1000 + 1000;
    }
    const solve = async (asked: boolean | HttpProblem) => {
      const challenge = (asked as HttpProblem).extra.challenge as Challenge;
      const solution = await solveChallenge({ challenge, deriveKey });
      return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
    };
    const asked = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.4', now: new Date(at) }, right));
    const altcha = await solve(asked);

    // Act: a solved challenge buys one more try (here a wrong one); the same solution again buys nothing.
    const solvedWrong = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.4', altcha, now: new Date(at) }, wrong));
    at += delayAfterFailures(LOCKOUT.attack.limit + 1) * 1000 + 1000;
    const replayed = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.4', altcha, now: new Date(at) }, right));
    const fresh = await solve(replayed);
    const solvedRight = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.4', altcha: fresh, now: new Date(at) }, right));

    // Assess: the holder who mistyped eleven times gets in after solving; a replayed solution is refused.
    expect(asked).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', extra: { challengeRequired: true } });
    expect(solvedWrong).toBe(false);
    expect(replayed).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', extra: { challengeRequired: true } });
    expect(solvedRight).toBe(true);
  });

  it('starts a delay when the failure is known, so a slow comparison does not use up the wait', async () => {
    // Prepare: three free failures, then a fourth whose comparison takes 300 ms (a busy container).
    const id = identity();
    let at = Date.now();
    for (let i = 1; i <= LOCKOUT.freeFailures; i++) {
      expect(await guardedPasswordCheck({ ...id, sourceIp: '127.0.0.5', now: new Date((at += 1)) }, wrong)).toBe(false);
    }
    const slowWrong = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300));
    const claimedAt = (at += 1);
    expect(await guardedPasswordCheck({ ...id, sourceIp: '127.0.0.5', now: new Date(claimedAt) }, slowWrong)).toBe(false);

    // Act: the next try comes 100 ms after the delay would have ended had it run from the claim.
    const delayMs = delayAfterFailures(LOCKOUT.freeFailures + 1) * 1000;
    const early = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.5', now: new Date(claimedAt + delayMs + 100) }, right));
    const inTime = await outcome(guardedPasswordCheck({ ...id, sourceIp: '127.0.0.5', now: new Date(claimedAt + delayMs + 1000) }, right));

    // Assess: still waiting then; let in once the delay has run from the failure.
    expect(early).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', headers: { 'retry-after': '1' } });
    expect(inTime).toBe(true);
  });
});
