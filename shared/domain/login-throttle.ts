/**
 * Login throttling (service notice §5): failed logins are counted per identity, whether or not an account exists, and
 * MAX_FAILED_LOGINS failures within FAILURE_WINDOW_SECONDS lock the identity for LOCK_SECONDS. The holders repository
 * enforces the counting with conditional writes.
 */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_SECONDS = 15 * 60;
/** Failures older than this no longer count towards a lock. */
export const FAILURE_WINDOW_SECONDS = 15 * 60;

/** Whole seconds until the lock ends, at least 1: the Retry-After a locked identity is told. */
export const retryAfterSeconds = (lockedUntil: Date, now: Date): number =>
  Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
