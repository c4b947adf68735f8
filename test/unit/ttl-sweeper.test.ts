import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSweeper } from '../../local/ttl-sweeper';

/** The local TTL sweeper's pacing: never two scans at once, and a slow scan pushes the next one further out. */
describe('startSweeper', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A sweep that takes `ms` of (fake) time and records when it started and whether another was running. */
  function slowSweep(ms: number) {
    const starts: number[] = [];
    let active = 0;
    let overlapped = false;
    const sweep = async () => {
      starts.push(Date.now());
      if (active++ > 0) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, ms));
      active--;
      return 0;
    };
    return { sweep, starts, overlapped: () => overlapped };
  }

  it('sweeps every interval after the previous sweep ended when sweeps are quick', async () => {
    const s = slowSweep(1_000);
    const sweeper = startSweeper({ sweep: s.sweep, intervalMs: 60_000, onError: () => undefined });
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(200_000);
    expect(s.starts.map((t) => t - t0)).toEqual([60_000, 121_000, 182_000]);
    await sweeper.stop();
  });

  it('waits four times a slow sweep before the next one and never overlaps two', async () => {
    const s = slowSweep(90_000);
    const sweeper = startSweeper({ sweep: s.sweep, intervalMs: 60_000, onError: () => undefined });
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(1_000_000);
    // 60 s wait, 90 s sweep, 360 s wait, 90 s sweep, 360 s wait…
    expect(s.starts.map((t) => t - t0)).toEqual([60_000, 510_000, 960_000]);
    expect(s.overlapped()).toBe(false);
    const stopping = sweeper.stop();
    await vi.advanceTimersByTimeAsync(90_000);
    await stopping;
  });

  it('reports a failed sweep and keeps sweeping; stop waits for the sweep under way and schedules none after', async () => {
    const errors: string[] = [];
    let calls = 0;
    const sweeper = startSweeper({
      sweep: async () => {
        calls++;
        if (calls === 1) throw new Error('table gone');
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        return 3;
      },
      intervalMs: 10_000,
      onError: (error) => errors.push(error.message),
    });
    await vi.advanceTimersByTimeAsync(21_000);
    expect(errors).toEqual(['table gone']);
    expect(calls).toBe(2);
    const stopping = sweeper.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopping;
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls).toBe(2);
  });
});
