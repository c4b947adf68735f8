import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from 'aws-lambda';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { parseScheduleEverySeconds, scheduleIntervals } from '../../local/runtime';
import { startTestStack, type TestStack } from '../support/local-stack';

// A scheduled function that only counts its invocations, declared every 60 minutes: only ECERT_SCHEDULE_EVERY_S can
// make it run within this test.
const ticker: FunctionDecl = {
  id: 'Ticker',
  entry: 'test-only/ticker',
  memoryMb: 128,
  timeoutSeconds: 5,
  access: [],
  trigger: { type: 'schedule', everyMinutes: 60 },
};
const ticks: Array<EventBridgeEvent<'Scheduled Event', unknown>> = [];
const { health } = FUNCTIONS;

describe('ECERT_SCHEDULE_EVERY_S', () => {
  it('is a number of seconds, at least 0.1; unset or empty keeps the declared schedules', () => {
    expect(parseScheduleEverySeconds(undefined)).toBeUndefined();
    expect(parseScheduleEverySeconds('')).toBeUndefined();
    expect(parseScheduleEverySeconds('5')).toBe(5);
    expect(parseScheduleEverySeconds('0.5')).toBe(0.5);
    for (const bad of ['0', '-1', 'often', '0.01', 'Infinity']) {
      expect(() => parseScheduleEverySeconds(bad), bad).toThrow(/ECERT_SCHEDULE_EVERY_S/);
    }
  });

  it('replaces every declared interval; a per-function override still wins', () => {
    const functions = { health, ticker, reconciler: FUNCTIONS.reconciler } as Record<string, FunctionDecl>;
    expect(Object.fromEntries(scheduleIntervals(functions, {}))).toEqual({ Ticker: 3_600_000, Reconciler: 300_000 });
    expect(Object.fromEntries(scheduleIntervals(functions, { scheduleEverySeconds: 2 }))).toEqual({ Ticker: 2000, Reconciler: 2000 });
    expect(
      Object.fromEntries(scheduleIntervals(functions, { scheduleEverySeconds: 2, scheduleIntervalMs: { Reconciler: 50 } })),
    ).toEqual({ Ticker: 2000, Reconciler: 50 });
  });

  describe('in the running runtime', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({
        functions: { health, ticker } as never,
        queueConsumers: false,
        scheduleEverySeconds: 0.2,
        loadHandler: async (fn) => {
          if (fn.id !== 'Ticker') throw new Error(`unexpected function ${fn.id}`);
          return async (event) => {
            ticks.push(event as EventBridgeEvent<'Scheduled Event', unknown>);
            return { ticked: ticks.length };
          };
        },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('invokes the scheduled function repeatedly with an EventBridge scheduled event', async () => {
      const deadline = Date.now() + 30_000;
      while (ticks.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks[0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
      expect(ticks[0]!.resources[0]).toContain('Ticker');
    });
  });
});
