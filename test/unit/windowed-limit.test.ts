import { describe, expect, it } from 'vitest';
import { countEvent, type WindowState } from '../../shared/domain/windowed-limit';

const HOUR = { limit: 10, windowSeconds: 3600 };
const T0 = Date.parse('2026-12-01T08:00:00Z');

function run(times: number[]): Array<boolean> {
  let state: WindowState | undefined;
  return times.map((t) => {
    const decision = countEvent(state, HOUR, t);
    state = decision.state;
    return decision.allowed;
  });
}

describe('countEvent (N per window, the window opening at its first event)', () => {
  it('allows 10 events in an hour and refuses the 11th', () => {
    // Act
    const allowed = run(Array.from({ length: 11 }, (_, i) => T0 + i * 60_000));

    // Assess
    expect(allowed.slice(0, 10)).toEqual(Array(10).fill(true));
    expect(allowed[10]).toBe(false);
  });

  it('refuses until the hour since the first event has passed, then starts afresh', () => {
    // Prepare
    let state: WindowState | undefined;
    for (let i = 0; i < 10; i++) state = countEvent(state, HOUR, T0 + i * 1000).state;

    // Act
    const justBefore = countEvent(state, HOUR, T0 + 3600_000 - 1);
    const after = countEvent(state, HOUR, T0 + 3600_000);

    // Assess
    expect(justBefore).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(after).toEqual({ allowed: true, state: { count: 1, windowStart: T0 + 3600_000 } });
  });

  it('says how long to wait in whole seconds', () => {
    // Prepare
    const full: WindowState = { count: 10, windowStart: T0 };

    // Act
    const decision = countEvent(full, HOUR, T0 + 600_500);

    // Assess
    expect(decision).toMatchObject({ allowed: false, retryAfterSeconds: 3000 });
  });
});
