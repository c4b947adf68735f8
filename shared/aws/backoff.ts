/**
 * "Full jitter" backoff (AWS Architecture Blog, Exponential Backoff And Jitter): wait a random time up to a cap that
 * doubles with each attempt, so writers that collided spread out instead of colliding again.
 */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const backoff = (attempt: number, baseMs: number, capMs: number): Promise<void> =>
  sleep(backoffDelayMs(attempt, baseMs, capMs));
