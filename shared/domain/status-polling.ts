/**
 * How the holder portal watches a PENDING annotation (证书生成中…): the first status read after half a second,
 * then doubling gaps up to a cap, and after a bounded number of reads it stops and offers to check again, so a page
 * left open during a backlog does not poll for ever. The one declaration: the portal runs it and the capacity profile
 * (infra/config.ts) counts its calls from it.
 */
export interface PollSchedule {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Status reads before the portal stops and shows the "check again" button. */
  maxPolls: number;
}

export const STATUS_POLL: PollSchedule = { firstDelayMs: 500, factor: 2, maxDelayMs: 10_000, maxPolls: 15 };

/** The wait before each status read, in order: 0.5, 1, 2, 4, 8, 10, 10 … seconds. */
export function statusPollDelays(schedule: PollSchedule = STATUS_POLL): number[] {
  const delays: number[] = [];
  let delay = schedule.firstDelayMs;
  for (let i = 0; i < schedule.maxPolls; i++) {
    delays.push(delay);
    delay = Math.min(delay * schedule.factor, schedule.maxDelayMs);
  }
  return delays;
}

/** How long one round of polling lasts before the portal stops (≈ 2 minutes). */
export const statusPollWindowMs = (schedule: PollSchedule = STATUS_POLL): number =>
  statusPollDelays(schedule).reduce((sum, delay) => sum + delay, 0);

/**
 * Status reads one page makes for an annotation that turns READY `readyAfterMs` after it was applied for: the read
 * that sees it READY included, at most `maxPolls` (then the holder has to ask again).
 */
export function statusPollsUntil(readyAfterMs: number, schedule: PollSchedule = STATUS_POLL): number {
  let elapsed = 0;
  let polls = 0;
  for (const delay of statusPollDelays(schedule)) {
    elapsed += delay;
    polls++;
    if (elapsed >= readyAfterMs) break;
  }
  return polls;
}
