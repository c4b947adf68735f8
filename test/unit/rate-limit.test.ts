import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientRateLimiter } from '../../local/rate-limit';

/** A hand-driven clock in milliseconds. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeMany = (limiter: ClientRateLimiter, client: string, n: number) => Array.from({ length: n }, () => limiter.take(client));

describe('ClientRateLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows a full burst at once, then refuses', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 2, burst: 5 }, clock.now);

    // Act
    const results = takeMany(limiter, '198.51.100.1', 6);

    // Assess
    expect(results.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(results[5]).toBeGreaterThan(0);
  });

  it('refills at the configured rate: one token per 1/rate seconds, not before', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 2, burst: 2 }, clock.now);
    takeMany(limiter, 'c', 2);

    // Act
    clock.advance(499);
    const early = limiter.take('c');
    clock.advance(1);
    const onTime = limiter.take('c');
    const again = limiter.take('c');

    // Assess
    expect(early).toBeGreaterThan(0);
    expect(onTime).toBe(0);
    expect(again).toBeGreaterThan(0);
  });

  it('never refills above the burst, however long the client was idle', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 10, burst: 3 }, clock.now);
    takeMany(limiter, 'c', 3);

    // Act
    clock.advance(60 * 60 * 1000);
    const results = takeMany(limiter, 'c', 4);

    // Assess
    expect(results).toEqual([0, 0, 0, expect.any(Number)]);
    expect(results[3]).toBeGreaterThan(0);
  });

  it('answers the whole seconds until the next token', () => {
    // Prepare: one token every 4 s
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 0.25, burst: 1 }, clock.now);
    limiter.take('c');

    // Act
    const right = limiter.take('c');
    clock.advance(2000);
    const halfway = limiter.take('c');
    clock.advance(1500);
    const almost = limiter.take('c');
    clock.advance(500);
    const due = limiter.take('c');

    // Assess
    expect(right).toBe(4);
    expect(halfway).toBe(2);
    expect(almost).toBe(1);
    expect(due).toBe(0);
  });

  it('answers at least 1 second, even when the next token is milliseconds away', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 100, burst: 1 }, clock.now);
    limiter.take('c');

    // Act
    const retryAfter = limiter.take('c');

    // Assess
    expect(retryAfter).toBe(1);
  });

  it('does not spend tokens on refused requests', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 1, burst: 1 }, clock.now);
    limiter.take('c');
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      expect(limiter.take('c')).toBeGreaterThan(0);
    }

    // Act
    clock.advance(500);
    const afterOneSecond = limiter.take('c');

    // Assess
    expect(afterOneSecond).toBe(0);
  });

  it('keeps clients independent', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 1, burst: 2 }, clock.now);
    takeMany(limiter, 'a', 2);

    // Act
    const aRefused = limiter.take('a');
    const bResults = takeMany(limiter, 'b', 3);

    // Assess
    expect(aRefused).toBeGreaterThan(0);
    expect(bResults.slice(0, 2)).toEqual([0, 0]);
    expect(bResults[2]).toBeGreaterThan(0);
  });

  it('keeps a recently limited client limited when many other clients force a prune', () => {
    // Prepare
    const clock = manualClock();
    const limiter = new ClientRateLimiter({ ratePerSecond: 1, burst: 2 }, clock.now);
    takeMany(limiter, 'hot', 2);

    // Act
    clock.advance(100);
    for (let i = 0; i < 10_001; i++) limiter.take(`other-${i}`);
    const hot = limiter.take('hot');

    // Assess
    expect(hot).toBeGreaterThan(0);
  });

  it('uses Date.now when no clock is given', () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
    const limiter = new ClientRateLimiter({ ratePerSecond: 1, burst: 1 });
    limiter.take('c');

    // Act
    const refused = limiter.take('c');
    vi.setSystemTime(new Date('2026-01-01T00:00:01Z'));
    const allowed = limiter.take('c');

    // Assess
    expect(refused).toBe(1);
    expect(allowed).toBe(0);
  });
});
