import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { STEPS } from './script';
import type { CallKind } from './profile';

/**
 * Artillery's JSON report (`artillery run --output`) reduced to what the load test states: per step the requests,
 * how many answered as intended, the other statuses and network errors, and p50/p95/p99 latency.
 */
export interface StepFigures {
  step: string;
  requests: number;
  ok: number;
  /** Status → count, for statuses the step does not expect (429 throttled, 5xx...). */
  unexpected: Record<string, number>;
  /** Network-level errors (ETIMEDOUT, ECONNRESET...). */
  errors: Record<string, number>;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface LoadFigures {
  steps: StepFigures[];
  total: { requests: number; ok: number; failed: number; ratePerSecond: number | null };
  /** Artillery counters outside the per-step ones worth stating (virtual users failed, slots reused). */
  notes: Record<string, number>;
}

interface ArtilleryReport {
  aggregate: {
    counters?: Record<string, number>;
    rates?: Record<string, number>;
    summaries?: Record<string, { p50?: number; median?: number; p95?: number; p99?: number; max?: number; count?: number }>;
  };
}

const ENDPOINT = 'plugins.metrics-by-endpoint';

export function summarizeReport(report: ArtilleryReport): LoadFigures {
  const counters = report.aggregate.counters ?? {};
  const summaries = report.aggregate.summaries ?? {};
  const steps: StepFigures[] = [];
  for (const [, spec] of Object.entries(STEPS) as Array<[CallKind, (typeof STEPS)[CallKind]]>) {
    const codes: Record<string, number> = {};
    const errors: Record<string, number> = {};
    const codePrefix = `${ENDPOINT}.${spec.name}.codes.`;
    const errorPrefix = `${ENDPOINT}.${spec.name}.errors.`;
    for (const [name, value] of Object.entries(counters)) {
      if (name.startsWith(codePrefix)) codes[name.slice(codePrefix.length)] = value;
      else if (name.startsWith(errorPrefix)) errors[name.slice(errorPrefix.length)] = value;
    }
    const answered = Object.values(codes).reduce((a, b) => a + b, 0);
    const failedToAnswer = Object.values(errors).reduce((a, b) => a + b, 0);
    if (answered + failedToAnswer === 0) continue;
    const ok = spec.expect.reduce((sum, status) => sum + (codes[String(status)] ?? 0), 0);
    const unexpected = Object.fromEntries(Object.entries(codes).filter(([status]) => !spec.expect.includes(Number(status))));
    const latency = summaries[`${ENDPOINT}.response_time.${spec.name}`];
    steps.push({
      step: spec.name,
      requests: answered + failedToAnswer,
      ok,
      unexpected,
      errors,
      p50: latency?.median ?? latency?.p50 ?? null,
      p95: latency?.p95 ?? null,
      p99: latency?.p99 ?? null,
      max: latency?.max ?? null,
    });
  }
  const requests = steps.reduce((sum, s) => sum + s.requests, 0);
  const ok = steps.reduce((sum, s) => sum + s.ok, 0);
  const notes = Object.fromEntries(
    Object.entries(counters).filter(([name]) => name === 'vusers.failed' || name === 'vusers.created' || name.startsWith('ecert.')),
  );
  return { steps, total: { requests, ok, failed: requests - ok, ratePerSecond: report.aggregate.rates?.['http.request_rate'] ?? null }, notes };
}

const ms = (value: number | null) => (value === null ? '–' : String(Math.round(value)));
const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([key, n]) => `${key}×${n}`)
    .join(' ');

/** The per-step table, as printed and as written into docs/load.md. */
export function figuresTable(figures: LoadFigures): string[] {
  const header = '| step | requests | as intended | p50 ms | p95 ms | p99 ms | max ms | other answers / errors |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---|';
  const rows = figures.steps.map(
    (s) =>
      `| ${s.step} | ${s.requests} | ${s.ok} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${
        [describeCounts(s.unexpected), describeCounts(s.errors)].filter(Boolean).join(' ') || '–'
      } |`,
  );
  const { total } = figures;
  rows.push(`| **all** | ${total.requests} | ${total.ok} | | | | | ${total.failed} not as intended |`);
  return [header, rule, ...rows];
}

/** Where the figures were measured: the docs state machine and date with every figure. */
export function machineDescription(): string {
  let os: string = process.platform;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? os;
  } catch {
    // not Linux: the platform name will do
  }
  const cpu = cpus();
  // A shared machine: the load average says how much of it the measured system had.
  const load = loadavg()[0]!.toFixed(1);
  return `${cpu.length}-core ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}, ${os} (load average ${load} at the start)`;
}
