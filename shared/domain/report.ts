/**
 * The operator report (issue 13 §6): annotations applied / ready / failed, apply → READY latency, verifications, per
 * qualification, over a period. Counted at write time into hourly buckets (docs/operations.md, "Reports"), so a
 * report reads one small partition per day instead of scanning the table. Latencies are kept as a histogram with
 * bins 2^(1/8) apart (≈ 9 %): percentiles come out as the upper edge of their bin, never more than 9 % high.
 */
export const BINS_PER_DOUBLING = 8;

/** The bin of a latency in milliseconds: 0 holds ≤ 1 ms; bin b holds (2^((b-1)/8), 2^(b/8)] ms. */
export function latencyBin(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(BINS_PER_DOUBLING * Math.log2(ms));
}

export const binUpperMs = (bin: number): number => 2 ** (bin / BINS_PER_DOUBLING);

export type Histogram = Record<number, number>;

/** The p-th percentile (0 < p ≤ 100) of a histogram, as its bin's upper edge; undefined when empty. */
export function percentile(histogram: Histogram, p: number): number | undefined {
  const bins = Object.keys(histogram).map(Number).sort((a, b) => a - b);
  const total = bins.reduce((sum, bin) => sum + (histogram[bin] ?? 0), 0);
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const bin of bins) {
    seen += histogram[bin] ?? 0;
    if (seen >= rank) return Math.round(binUpperMs(bin));
  }
  return Math.round(binUpperMs(bins.at(-1)!));
}

export interface Counters {
  applied: number;
  ready: number;
  failed: number;
  verified: number;
  /** Verifications whose answer was `valid: true`. */
  verifiedValid: number;
  latency: Histogram;
}

export const emptyCounters = (): Counters => ({ applied: 0, ready: 0, failed: 0, verified: 0, verifiedValid: 0, latency: {} });

export function addCounters(into: Counters, from: Counters): Counters {
  into.applied += from.applied;
  into.ready += from.ready;
  into.failed += from.failed;
  into.verified += from.verified;
  into.verifiedValid += from.verifiedValid;
  for (const [bin, n] of Object.entries(from.latency)) into.latency[Number(bin)] = (into.latency[Number(bin)] ?? 0) + n;
  return into;
}

/** The bucket an instant falls in: the calendar day and hour in China (Asia/Shanghai is UTC+8 all year). */
export function bucketOf(iso: string): { day: string; hour: string } {
  const shifted = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString();
  return { day: shifted.slice(0, 10), hour: shifted.slice(11, 13) };
}

/** The China days from..to inclusive (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export type AnnotationTransition = 'applied' | 'ready' | 'failed';

interface AnnotationImage {
  status?: unknown;
  appliedAt?: unknown;
  renderedAt?: unknown;
  failedAt?: unknown;
}

/** What one change of an annotation item counts for, and when; a READY transition also yields its latency. */
export function transitionsOf(
  before: AnnotationImage | undefined,
  after: AnnotationImage | undefined,
  changedAt: string,
): Array<{ transition: AnnotationTransition; at: string; latencyMs?: number }> {
  if (!after) return [];
  const out: Array<{ transition: AnnotationTransition; at: string; latencyMs?: number }> = [];
  const appliedAt = typeof after.appliedAt === 'string' ? after.appliedAt : changedAt;
  if (!before) out.push({ transition: 'applied', at: appliedAt });
  if (after.status === 'READY' && before?.status !== 'READY') {
    const at = typeof after.renderedAt === 'string' ? after.renderedAt : changedAt;
    out.push({ transition: 'ready', at, latencyMs: Math.max(0, Date.parse(at) - Date.parse(appliedAt)) });
  }
  if (after.status === 'FAILED' && before?.status !== 'FAILED') {
    out.push({ transition: 'failed', at: typeof after.failedAt === 'string' ? after.failedAt : changedAt });
  }
  return out;
}
