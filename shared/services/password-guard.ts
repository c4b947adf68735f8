import { acceptSolution, challengeScope, issueChallenge } from './challenge';
import { hashSource } from '../auth/identity-hash';
import type { IdType } from '../domain/identity';
import { decideAttempt, LOCKOUT, sourceUnit } from '../domain/lockout';
import { windowOpen } from '../domain/windowed-limit';
import { problem } from '../http/problem';
import { logger } from '../observability';
import { claimAttempt, effectiveFailures, forgetSourceFailures, getSourceRecord, holdSourceAfterFailure } from '../repository/password-attempts';
import { countInWindow, peekWindow } from '../repository/windowed-counters';

/**
 * Every password check of the service goes through here — login, password change, name change — so they all count
 * alike (shared/domain/lockout.ts): per (identity, source) and per identity, for identities with and without an
 * account. A source that has not failed is always let through; a failing one waits out its delay, and while the
 * identity is under attack it must also bring a solved proof-of-work challenge. Answers are 429 TOO_MANY_ATTEMPTS
 * with Retry-After, or with a challenge to solve; nothing ever locks the identity itself.
 */
export interface PasswordAttempt {
  idType: IdType;
  idHash: string;
  sourceIp: string;
  /** A solved ALTCHA challenge (base64 payload), when the client was asked for one. */
  altcha?: string;
  now: Date;
}

/** The per-identity failure window (attack detection), for every identity alike. */
export const identityFailureCounter = (idType: IdType, idHash: string) => ({ name: 'password-failures', subject: `${idType}#${idHash}` });

const waitProblem = (retryAfterSeconds: number) =>
  problem(
    'TOO_MANY_ATTEMPTS',
    '密码错误次数较多，请稍后再试；也可使用“忘记密码”重置',
    { retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );

/**
 * Runs `check` (the password comparison, or the burn of an equal amount of work for an identity without an account)
 * as one counted attempt. Returns its result; throws the 429 when the attempt may not run.
 */
export async function guardedPasswordCheck(attempt: PasswordAttempt, check: () => Promise<boolean>): Promise<boolean> {
  const { idType, idHash, now } = attempt;
  const scope = { idType, idHash, sourceHash: await hashSource(sourceUnit(attempt.sourceIp)) };
  const [record, identityWindow] = await Promise.all([getSourceRecord(scope), peekWindow(identityFailureCounter(idType, idHash))]);
  const nowMs = now.getTime();
  const failures = effectiveFailures(record, nowMs);
  const identityFailures = windowOpen(identityWindow, LOCKOUT.attack, nowMs) ? identityWindow.count : 0;
  const source = record && failures > 0 ? { failures, notBefore: record.notBefore } : undefined;

  let decision = decideAttempt({ source, identityFailures, challengeSolved: false, nowMs });
  const bound = challengeScope([idType, idHash, scope.sourceHash]);
  if (decision.kind === 'CHALLENGE' && (await acceptSolution(attempt.altcha, bound, now))) {
    decision = decideAttempt({ source, identityFailures, challengeSolved: true, nowMs });
  }
  if (decision.kind === 'WAIT') throw waitProblem(decision.retryAfterSeconds);
  if (decision.kind === 'CHALLENGE') {
    logger.info('password attempt needs a challenge', { sourceFailures: failures });
    throw problem('TOO_MANY_ATTEMPTS', '请先完成人机验证后再试', {
      challengeRequired: true,
      challenge: await issueChallenge(bound, failures, now),
    });
  }

  const claim = await claimAttempt(scope, record, now);
  // Another try of the same source is in flight: one at a time per source.
  if (!claim.claimed) throw waitProblem(1);

  const started = performance.now();
  const ok = await check();
  if (ok) {
    await forgetSourceFailures(scope, claim.failures);
    return true;
  }
  // `now` is the request's clock; the failure is known the check's duration later.
  const failedAt = new Date(now.getTime() + Math.ceil(performance.now() - started));
  await Promise.all([
    holdSourceAfterFailure(scope, claim.failures, now, failedAt),
    countInWindow(identityFailureCounter(idType, idHash), LOCKOUT.attack, now),
  ]);
  logger.info('password attempt failed', { sourceFailures: claim.failures });
  return false;
}
