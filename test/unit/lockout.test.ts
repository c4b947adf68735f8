import { describe, expect, it } from 'vitest';
import { challengeCounterMax, decideAttempt, delayAfterFailures, LOCKOUT, sourceUnit } from '../../shared/domain/lockout';

const NOW = Date.parse('2026-12-01T08:00:00Z');

describe('delayAfterFailures', () => {
  it('lets the first three failures pass without delay (typos)', () => {
    expect([0, 1, 2, 3].map(delayAfterFailures)).toEqual([0, 0, 0, 0]);
  });

  it('doubles from 2 s with each further failure', () => {
    expect([4, 5, 6, 7, 8].map(delayAfterFailures)).toEqual([2, 4, 8, 16, 32]);
  });

  it('never exceeds 15 minutes, however many failures', () => {
    expect(delayAfterFailures(13)).toBe(LOCKOUT.maxDelaySeconds);
    expect(delayAfterFailures(10_000)).toBe(900);
  });
});

describe('decideAttempt', () => {
  it('always lets a source that has not failed try, even while the identity is under attack', () => {
    // Act
    const decision = decideAttempt({ source: undefined, identityFailures: 10_000, challengeSolved: false, nowMs: NOW });

    // Assess
    expect(decision).toEqual({ kind: 'PROCEED' });
  });

  it('makes a failing source wait out its delay', () => {
    // Act
    const decision = decideAttempt({
      source: { failures: 5, notBefore: NOW + 3_500 },
      identityFailures: 5,
      challengeSolved: true,
      nowMs: NOW,
    });

    // Assess
    expect(decision).toEqual({ kind: 'WAIT', retryAfterSeconds: 4 });
  });

  it('asks a failing source for a proof of work only while the identity is under attack', () => {
    // Prepare
    const source = { failures: 2, notBefore: NOW - 1 };

    // Act
    const quiet = decideAttempt({ source, identityFailures: LOCKOUT.attack.limit - 1, challengeSolved: false, nowMs: NOW });
    const attacked = decideAttempt({ source, identityFailures: LOCKOUT.attack.limit, challengeSolved: false, nowMs: NOW });
    const solved = decideAttempt({ source, identityFailures: LOCKOUT.attack.limit, challengeSolved: true, nowMs: NOW });

    // Assess
    expect(quiet).toEqual({ kind: 'PROCEED' });
    expect(attacked).toEqual({ kind: 'CHALLENGE' });
    expect(solved).toEqual({ kind: 'PROCEED' });
  });

  it('never answers with a lock: a failing source can always go on after its delay (with a solution)', () => {
    for (const failures of [1, 4, 10, 100, 10_000]) {
      // Prepare
      const source = { failures, notBefore: NOW + delayAfterFailures(failures) * 1000 };
      const later = NOW + delayAfterFailures(failures) * 1000;

      // Act
      const decision = decideAttempt({ source, identityFailures: 1_000_000, challengeSolved: true, nowMs: later });

      // Assess
      expect(decision).toEqual({ kind: 'PROCEED' });
    }
  });
});

describe('challengeCounterMax', () => {
  it('grows with the failures of the source, within bounds', () => {
    expect(challengeCounterMax(1)).toBe(1_000);
    expect(challengeCounterMax(6)).toBeGreaterThan(challengeCounterMax(5));
    expect(challengeCounterMax(1_000)).toBe(16_000);
  });
});

describe('sourceUnit', () => {
  it.each([
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:85a3:0042:1000:8a2e:0370:7334', '2001:db8:85a3:42::/64'],
    ['2001:db8:85a3:42::1', '2001:db8:85a3:42::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('counts %s as %s', (ip, unit) => {
    expect(sourceUnit(ip)).toBe(unit);
  });

  it('counts two addresses of one IPv6 /64 as one source', () => {
    expect(sourceUnit('2001:db8:1:2:aaaa::1')).toBe(sourceUnit('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(sourceUnit('2001:db8:1:2::1')).not.toBe(sourceUnit('2001:db8:1:3::1'));
  });
});
