/**
 * Password attempts without denial of service (issue 11 §7). Failures are counted per (identity, source) and per
 * identity. A source that has not failed is never slowed, never challenged: the real holder's correct password from
 * their own device always gets in. A source that fails slows down progressively; while an identity is under attack
 * (many failures from anywhere) the sources that failed must also solve a proof-of-work challenge (ALTCHA) with each
 * try. Nothing here ever locks an identity. Login, password change and name change count alike.
 */
export const LOCKOUT = {
  /** Failures from one source this close together accumulate; a day without one starts the source afresh. */
  sourceMemorySeconds: 24 * 3600,
  /** Tries a source may get wrong before it is slowed (typos). */
  freeFailures: 3,
  /** Delay after the first failure beyond the free ones; it doubles with each further failure … */
  baseDelaySeconds: 2,
  /** … up to this. */
  maxDelaySeconds: 15 * 60,
  /** An identity is under attack while this many failures (from all sources) fell within the window. */
  attack: { limit: 10, windowSeconds: 3600 },
} as const;

/** Seconds a source must wait after its `failures`-th consecutive failure. */
export function delayAfterFailures(failures: number): number {
  const beyond = failures - LOCKOUT.freeFailures;
  if (beyond <= 0) return 0;
  return Math.min(LOCKOUT.maxDelaySeconds, LOCKOUT.baseDelaySeconds * 2 ** Math.min(beyond - 1, 20));
}

export interface SourceState {
  failures: number;
  /** Epoch ms before which this source may not try again. */
  notBefore: number;
}

export type AttemptDecision =
  | { kind: 'PROCEED' }
  | { kind: 'WAIT'; retryAfterSeconds: number }
  | { kind: 'CHALLENGE' };

export function decideAttempt(input: {
  source: SourceState | undefined;
  /** Failures against the identity from all sources in the attack window. */
  identityFailures: number;
  /** The request carries a valid, unused proof-of-work solution. */
  challengeSolved: boolean;
  nowMs: number;
}): AttemptDecision {
  const failures = input.source?.failures ?? 0;
  if (failures === 0) return { kind: 'PROCEED' };
  if (input.source && input.source.notBefore > input.nowMs) {
    return { kind: 'WAIT', retryAfterSeconds: Math.max(1, Math.ceil((input.source.notBefore - input.nowMs) / 1000)) };
  }
  if (underAttack(input.identityFailures) && !input.challengeSolved) return { kind: 'CHALLENGE' };
  return { kind: 'PROCEED' };
}

export const underAttack = (identityFailures: number): boolean => identityFailures >= LOCKOUT.attack.limit;

/**
 * Proof-of-work for a failing source (ALTCHA, PBKDF2-SHA-256): the browser derives keys of `cost` iterations until it
 * hits the server's secret counter, drawn from [max/2, max). The range grows with the source's failures, so a holder
 * who mistyped a few times solves in about a second while each further guess of an attacking source costs more.
 */
export const CHALLENGE_COST = 1_000;
export function challengeCounterMax(sourceFailures: number): number {
  return 1_000 * Math.min(16, Math.max(1, sourceFailures - LOCKOUT.freeFailures));
}

/**
 * The unit a "source" is counted in: an IPv4 address, or the /64 prefix of an IPv6 address (one subscriber usually
 * holds a whole /64, so counting single IPv6 addresses would hand an attacker 2^64 fresh sources).
 */
export function sourceUnit(sourceIp: string): string {
  const ip = sourceIp.trim().toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (g || '0').replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
