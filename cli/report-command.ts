import { parseArgs } from 'node:util';
import { findQualification } from '../shared/domain/qualifications';
import { addCounters, bucketOf, daysBetween, emptyCounters, percentile, type Counters } from '../shared/domain/report';
import { readCounters } from '../shared/repository/report-counters';
import { useTarget } from '../shared/target/resolve';
import { EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';

export const REPORT_HELP = `Usage: npm run ecert -- report --from <date|instant> --to <date|instant> [options]

Annotations applied, READY and FAILED, apply → READY p50/p99 (from the stored appliedAt and renderedAt), and
verifications, per qualification and in total. Dates are China dates (Asia/Shanghai), inclusive; an ISO 8601
instant narrows the first or last day to whole hours. Figures come from hourly counters kept as annotations change
(one read per day, whatever the volume); percentiles are the upper edge of a ≈ 9 % wide bin.

Options:
  --from <date|instant>   first day (or hour), e.g. 2026-11-01
  --to <date|instant>     last day (or hour), e.g. 2026-11-30
  --json                  the figures as JSON
${TARGET_HELP}

Exit codes: 0 shown; 2 usage error or unreachable target.`;

function bound(value: string | undefined, name: string): { day: string; hour?: string } {
  if (value === undefined) throw new UsageError(`${name} is required`, 'report');
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { day: value };
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${name}: '${value}' is not a date (YYYY-MM-DD) or an ISO 8601 instant`, 'report');
  return bucketOf(new Date(ms).toISOString());
}

export interface ReportRow {
  qualificationCode: string;
  qualification: string;
  applied: number;
  ready: number;
  failed: number;
  p50Ms?: number;
  p99Ms?: number;
  verified: number;
  verifiedValid: number;
}

export function reportRow(code: string, counters: Counters): ReportRow {
  const p50 = percentile(counters.latency, 50);
  const p99 = percentile(counters.latency, 99);
  return {
    qualificationCode: code,
    qualification: findQualification(code)?.name ?? code,
    applied: counters.applied,
    ready: counters.ready,
    failed: counters.failed,
    ...(p50 !== undefined ? { p50Ms: p50 } : {}),
    ...(p99 !== undefined ? { p99Ms: p99 } : {}),
    verified: counters.verified,
    verifiedValid: counters.verifiedValid,
  };
}

export async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { ...TARGET_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.help) {
    io.out(REPORT_HELP);
    return EXIT.ok;
  }
  const from = bound(values.from, '--from');
  const to = bound(values.to, '--to');
  if (`${from.day}${from.hour ?? '00'}` > `${to.day}${to.hour ?? '23'}`) throw new UsageError('--from is after --to', 'report');
  const days = daysBetween(from.day, to.day);
  if (days.length > 3660) throw new UsageError('a report covers at most ten years', 'report');

  await useTarget(targetOf(values));
  const perQualification = await readCounters(days, { ...(from.hour ? { firstDayFrom: from.hour } : {}), ...(to.hour ? { lastDayTo: to.hour } : {}) });
  const rows = [...perQualification.entries()].map(([code, counters]) => reportRow(code, counters)).sort((a, b) => b.applied - a.applied || a.qualificationCode.localeCompare(b.qualificationCode));
  const total = reportRow('TOTAL', [...perQualification.values()].reduce((sum, c) => addCounters(sum, c), emptyCounters()));
  if (values.json) {
    io.out(JSON.stringify({ from: values.from, to: values.to, days: days.length, total, perQualification: rows }, null, 2));
    return EXIT.ok;
  }
  const ms = (v?: number) => (v === undefined ? '—' : `${v} ms`);
  const header = ['qualification', 'applied', 'ready', 'failed', 'p50', 'p99', 'verifications (valid)'];
  const table = [...rows, { ...total, qualification: '合计 (total)' }].map((r) => [
    r.qualificationCode === 'TOTAL' ? r.qualification : `${r.qualification} (${r.qualificationCode})`,
    String(r.applied),
    String(r.ready),
    String(r.failed),
    ms(r.p50Ms),
    ms(r.p99Ms),
    `${r.verified} (${r.verifiedValid})`,
  ]);
  io.out(`report ${from.day}${from.hour ? ` ${from.hour}:00` : ''} – ${to.day}${to.hour ? ` ${to.hour}:59` : ''} (China time), ${days.length} day(s)`);
  io.out(`| ${header.join(' | ')} |`);
  io.out(`|${header.map(() => '---').join('|')}|`);
  for (const line of table) io.out(`| ${line.join(' | ')} |`);
  return EXIT.ok;
}
