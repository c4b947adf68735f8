/**
 * A limit of N events per window, where the window opens with its first event and lasts a fixed time ("10 misses
 * within an hour, then refused until the hour has passed"). Every attempt limit of the account work is one of these:
 * code sends per identity/source/contact, code tries, verification misses per certificate, login failures.
 *
 * This is the rule; shared/repository/windowed-counters.ts enforces it with conditional writes (never read, decide,
 * write), and its integration test checks the two agree.
 */
export interface WindowedLimit {
  limit: number;
  windowSeconds: number;
}

export interface WindowState {
  count: number;
  /** Epoch milliseconds of the window's first event. */
  windowStart: number;
}

export type WindowDecision =
  | { allowed: true; state: WindowState }
  | { allowed: false; state: WindowState; retryAfterSeconds: number };

export const windowEndsAt = (state: WindowState, limit: WindowedLimit): number =>
  state.windowStart + limit.windowSeconds * 1000;

export const windowOpen = (state: WindowState | undefined, limit: WindowedLimit, nowMs: number): state is WindowState =>
  state !== undefined && windowEndsAt(state, limit) > nowMs;

/** Counting one more event at `nowMs`: a closed (or no) window starts afresh; an open one counts up to the limit. */
export function countEvent(state: WindowState | undefined, limit: WindowedLimit, nowMs: number): WindowDecision {
  if (!windowOpen(state, limit, nowMs)) return { allowed: true, state: { count: 1, windowStart: nowMs } };
  if (state.count < limit.limit) return { allowed: true, state: { count: state.count + 1, windowStart: state.windowStart } };
  return { allowed: false, state, retryAfterSeconds: retryAfterSeconds(state, limit, nowMs) };
}

/** Whole seconds (at least 1) until an exhausted window closes. */
export function retryAfterSeconds(state: WindowState, limit: WindowedLimit, nowMs: number): number {
  return Math.max(1, Math.ceil((windowEndsAt(state, limit) - nowMs) / 1000));
}
