/** Small statistics helpers for the benchmarks (nearest-rank percentiles). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    min: round(sorted[0] ?? NaN),
    median: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    mean: round(mean),
  };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Benchmarks print one JSON line prefixed with this, which the runner collects. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

export function report(result: unknown): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** test/bench/emulators-process.ts prints the endpoints of the emulators it started after this. */
export const EMULATORS_LINE = 'EMULATORS ';
