/**
 * `npm run capacity`: synthesizes the stack (prod and dev, bundling disabled), reads every limit the stack sets from
 * the synthesized templates, combines them with the peak profile (infra/config.ts) and the measured per-annotation
 * costs (docs/per-annotation.json, docs/benchmarks.json), and writes docs/capacity.md. Exits non-zero when a prod row
 * has less than 2× headroom (test/infra/capacity.test.ts fails on the same rows).
 */
import { writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENTS, type PeakProfile } from '../../infra/config';
import { readMeasuredInputs, busiestMinuteRate, type MeasuredInputs } from '../../infra/sizing';
import { AWS_LATENCY_MS, QUOTAS } from '../../infra/quotas';
import { buildPortal } from '../../portal/build/build';
import { REPO_ROOT } from '../../shared/repo-root';
import { synth, synthProd, type Synthesized } from '../support/synth';
import { capacityRows, headroom, modeledDurations, pendingShardCount, REQUIRED_HEADROOM, verdict, type Capacity, type Row } from './capacity-model';
import { Template } from 'aws-cdk-lib/assertions';

export const CAPACITY_DOC = 'docs/capacity.md';

export function capacityOf(s: Synthesized, peak: PeakProfile, measured: MeasuredInputs): Capacity {
  const edgeJson = s.stack.edge ? (Template.fromStack(s.stack.edge).toJSON() as { Resources: never }) : undefined;
  return capacityRows({ json: s.json as never, ...(edgeJson ? { edgeJson } : {}), peak, measured });
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : '∞';
const fmtHeadroom = (row: Row) => (Number.isFinite(headroom(row)) ? `${headroom(row).toFixed(1)}×` : '—');
const sourceCell = (source: string) => {
  const [url, ...rest] = source.split(' ');
  const text = source.replace(/\|/g, '\\|');
  return url!.startsWith('https://') ? `[AWS](${url})${rest.length ? ` ${rest.join(' ').replace(/\|/g, '\\|')}` : ''}` : text;
};

function rowsTable(rows: Row[]): string[] {
  return [
    '| limit | need at the busiest minute | limit value | unit | headroom | verdict | from |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.limit}${r.note ? ` — ${r.note}` : ''} | ${fmt(r.need, r.need < 10 ? 1 : 0)} | ${fmt(r.value)} | ${r.unit} | ${fmtHeadroom(r)} | ${verdict(r)}${r.kind === 'check' ? ' (rule)' : ''} | ${sourceCell(r.source)} |`,
    ),
  ];
}

function measuredTables(measured: MeasuredInputs): string[] {
  const m = measured.perAnnotation;
  const flows = ['holder', 'verifier', 'registration'] as const;
  const routeKeys = [...new Set(flows.flatMap((f) => Object.keys(m.perFlow[f].apiCalls)))].sort();
  const lines = [
    `Measured by \`npm run measure:annotation\` on ${m.measuredAt.slice(0, 10)} (${m.machine.cpu}, ${m.machine.memoryGiB} GiB, ${m.machine.os}, Node ${m.machine.node}, load average ${m.machine.loadAverageAtStart} at the start — the machine is shared) at commit ${m.source.commit}${m.source.dirty ? ' plus uncommitted changes' : ''}: the portal driven in Debian's Chromium on the local stack, ${m.runs} runs of each flow, each in a fresh browser. Per run (mean; min–max where it varied):`,
    '',
    '| API call (route) | holder: one annotation | verifier: one verification | one registration |',
    '|---|---|---|---|',
    ...routeKeys.map(
      (route) =>
        `| \`${route}\` | ${flows
          .map((f) => {
            const v = m.perFlow[f].apiCalls[route];
            return v ? (v.min === v.max ? fmt(v.mean, 2) : `${fmt(v.mean, 2)} (${v.min}–${v.max})`) : '—';
          })
          .join(' | ')} |`,
    ),
    `| portal files (CloudFront + S3, cold cache) | ${flows.map((f) => fmt(m.perFlow[f].staticRequests.mean, 1)).join(' | ')} |`,
    `| presigned S3 GET (download) | ${flows.map((f) => fmt(m.perFlow[f].s3BrowserGets.mean, 1)).join(' | ')} |`,
    `| DynamoDB read units (table) | ${flows.map((f) => fmt(m.perFlow[f].dynamodb.table.read, 1)).join(' | ')} |`,
    `| DynamoDB write units (table) | ${flows.map((f) => fmt(m.perFlow[f].dynamodb.table.write, 1)).join(' | ')} |`,
    ...[...new Set(flows.flatMap((f) => Object.keys(m.perFlow[f].dynamodb.indexes)))].sort().flatMap((index) => [
      `| DynamoDB read / write units (GSI ${index}) | ${flows
        .map((f) => {
          const u = m.perFlow[f].dynamodb.indexes[index];
          return u ? `${fmt(u.read, 1)} / ${fmt(u.write, 1)}` : '—';
        })
        .join(' | ')} |`,
    ]),
    ...[...new Set(flows.flatMap((f) => Object.keys(m.perFlow[f].awsCalls).filter((k) => !k.includes('|') && !k.startsWith('dynamodb'))))]
      .sort()
      .map((call) => `| ${call} | ${flows.map((f) => fmt(m.perFlow[f].awsCalls[call] ?? 0, 2)).join(' | ')} |`),
    ...[...new Set(flows.flatMap((f) => Object.keys(m.perFlow[f].awsCalls).filter((k) => !k.includes('|') && k.startsWith('dynamodb'))))]
      .sort()
      .map((call) => `| ${call} (requests) | ${flows.map((f) => fmt(m.perFlow[f].awsCalls[call] ?? 0, 2)).join(' | ')} |`),
    '',
  ];
  return lines;
}

function durationTable(measured: MeasuredInputs, s: Synthesized): string[] {
  const memory = new Map(
    s.stack.functions.entries().map(([key, fn]) => [s.stack.functions.declarations[key]!.id, s.json.Resources[s.stack.getLogicalId(fn.node.defaultChild as never)]!.Properties.MemorySize as number]),
  );
  return [
    '| function | memory (template) | CPU per invocation: measured → normalized | AWS calls per invocation | their wait at AWS latencies | modeled Lambda duration | local wall time (emulators) |',
    '|---|---|---|---|---|---|---|',
    ...modeledDurations(measured, (id) => memory.get(id)).map((d) => {
      const vcpu = Math.min(1, d.memoryMb / 1769);
      const calls = Object.entries(d.calls).map(([call, n]) => `${fmt(n, 2)} ${call.replace(/^(\w+) /, '')}`).join(', ');
      return `| ${d.fnId} | ${d.memoryMb} MB | ${fmt(d.cpuMs, 1)} → ${fmt(d.normalizedCpuMs, 1)} ms | ${calls || '—'} | ${fmt(d.awsMs)} ms | ${fmt(d.normalizedCpuMs / vcpu + d.awsMs)} ms | ${fmt(d.localWallMs)} ms |`;
    }),
    '',
  ];
}

function profileTable(): string[] {
  const envs = Object.values(ENVIRONMENTS);
  const row = (label: string, value: (p: PeakProfile) => string) => `| ${label} | ${envs.map((e) => value(e.peak)).join(' | ')} |`;
  return [
    `| peak profile (infra/config.ts) | ${envs.map((e) => e.name).join(' | ')} |`,
    `|---|${envs.map(() => '---').join('|')}|`,
    row('registered holders', (p) => fmt(p.registeredHolders)),
    row('annotations in the day', (p) => fmt(p.annotationsPerDay)),
    row('share in the first hour', (p) => `${p.firstHourShare * 100}%`),
    row('busiest minute ÷ first-hour average', (p) => `${p.busiestMinuteFactor}×`),
    row('→ annotations/s, first-hour average', (p) => fmt((p.annotationsPerDay * p.firstHourShare) / 3600, 1)),
    row('→ annotations/s, busiest minute', (p) => fmt(busiestMinuteRate(p.annotationsPerDay, p), 1)),
    row('verifications in the day (same shape)', (p) => fmt(p.verificationsPerDay)),
    row('registrations in the day (same shape)', (p) => fmt(p.registrationsPerDay)),
    row('sizing headroom over the need', (p) => `${p.sizingHeadroom}×`),
    row('route floor (unmeasured routes, $default)', (p) => `${p.routeFloor.rateLimit}/s, burst ${p.routeFloor.burstLimit}`),
    row('Lambda account concurrency sized against (AWS default 1,000)', (p) => fmt(p.lambdaAccountConcurrency)),
    row('HTTP API account throttle sized against (AWS default 10,000/s)', (p) => `${fmt(p.httpApiAccountRate)}/s`),
    row('per-client limit at the edge', (p) => `${fmt(p.perClientRequestsPer5Minutes)} requests / 5 min / IP`),
    '',
  ];
}

export function capacityMarkdown(options: { prod: Capacity; dev: Capacity; measured: MeasuredInputs; prodSynth: Synthesized }): string {
  const { prod, dev, measured } = options;
  const failing = prod.rows.filter((r) => verdict(r) !== 'ok');
  const d = prod.demand;
  const lines = [
    '# Capacity on results-release day',
    '',
    `Written by \`npm run capacity\` (test/bench/capacity.ts) on ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, ${platform()} ${release()}, Node ${process.version}. It synthesizes the stack (bundling disabled), reads each limit the stack sets **from the synthesized template**, takes AWS's own quotas from \`infra/quotas.ts\` (each with its documentation page), and sets them against the need at the busiest minute: the peak profile × the measured cost of one annotation. Re-measure and refresh everything with \`npm run measure\` (measure:annotation → cost-model → capacity).`,
    '',
    `**Verdict (prod):** ${failing.length === 0 ? `every row has at least ${REQUIRED_HEADROOM}× headroom.` : `${failing.length} row(s) below ${REQUIRED_HEADROOM}×: ${failing.map((r) => r.limit).join('; ')}.`} \`test/infra/capacity.test.ts\` fails when a prod row has less than ${REQUIRED_HEADROOM}×.`,
    '',
    '## The peak',
    '',
    ...profileTable(),
    `At the busiest minute (prod): ${fmt(d.annotationsPerSecond, 1)} annotations/s, ${fmt(d.verificationsPerSecond, 1)} verifications/s, ${fmt(d.registrationsPerSecond, 1)} registrations/s → **${fmt(d.apiRequestsPerSecond)} API requests/s**, ${fmt(d.rendersPerSecond, 1)} PDFs/s, ${fmt(d.dynamodb.table.read)} read and ${fmt(d.dynamodb.table.write)} write units/s on the table.`,
    '',
    '## What one annotation costs (measured)',
    '',
    ...measuredTables(measured),
    'Status reads depend on how fast the PDF is ready and on the portal\'s polling schedule as it is in this commit; re-measure after that changes. Registration is measured separately: on the day most holders already have an account.',
    '',
    '### Lambda duration model',
    '',
    `The local wall time is the emulators' (DynamoDB Local, s3rver and local-aws-sqs share a loaded 2-core machine) and is far slower than AWS, so concurrency is computed from a model: each handler's CPU time as measured (emulators in another process, warm code, the invocations that ran alone), normalized to the render benchmark's machine state (the same signed PDF took ${measured.perAnnotation.calibration.renderCpuMs} ms of CPU during the measurement and ${measured.perAnnotation.calibration.benchmarkMs} ms in the benchmark: factor ${measured.perAnnotation.calibration.factor}), stretched by the function's share of a vCPU (1,769 MB = 1 vCPU), plus its AWS calls at the planning latencies below, one after another (an upper bound where a handler overlaps them). The CPU was measured on x86 (AMD EPYC); Lambda runs these on arm64 (Graviton), not measured here.`,
    '',
    ...durationTable(measured, options.prodSynth),
    '## Prod: every limit',
    '',
    ...rowsTable(prod.rows),
    '',
    '## Dev',
    '',
    'Sized for a hundredth of the day; its rows are not required to hold the production peak.',
    '',
    ...rowsTable(dev.rows),
    '',
    '## Notes',
    '',
    '- **On-demand in the first minutes of a peak.** A new on-demand table (and each new GSI) serves about 12,000 reads and 4,000 writes per second at once; beyond that DynamoDB adds capacity as traffic grows, but only up to double the previous peak within 30 minutes — a jump from a quiet day to the results-day rate throttles for minutes. Prod therefore sets the table\'s and GSIs\' **warm throughput** to the sized need (rows above), which DynamoDB provisions ahead and keeps. Warm throughput does not lift the per-partition limits (1,000 writes / 3,000 reads per second per partition key): that is why the PENDING index is sharded' +
      ` (shards today: ${pendingShardCount()}). Pre-warm (deploy) at least a day before the peak; raising warm throughput is billed once per increase.`,
    '- **Lambda.** Each function scales by 1,000 environments per 10 s; the render event source starts at 5 concurrent batches and adds at most 300 a minute, so its maximum concurrency is reached within the first minute. With that maximum at the reservation the event source never invokes past it, so no message is throttled back into the queue: a backlog only waits. If the account runs anything else, raise its concurrency quota before results day (the rows assume the whole default 1,000 for this stack).',
    '- **The per-client rule** counts requests per source IP at CloudFront. Holders behind one NAT (a university, a carrier-grade NAT) share an address: the limit allows many holders\' flows per IP; lower it only with that in mind.',
    '- **Not measured here, and unproven without a deployment:** AWS\'s real latencies (the model uses planning figures), cold starts at scale, the warm-throughput pre-warm actually provisioned, CloudFront/WAF behaviour, and quotas lowered in a new account (new accounts can start below the defaults: check Service Quotas).',
    '',
    '## AWS quotas and planning figures used (infra/quotas.ts)',
    '',
    '| quota | value | unit | adjustable | source |',
    '|---|---|---|---|---|',
    ...Object.values(QUOTAS).map((q) => `| ${q.what} | ${fmt(q.value)} | ${q.unit} | ${q.adjustable ? 'yes' : 'no'} | ${q.source} |`),
    '',
    '| AWS call latency (planning) | ms | basis | source |',
    '|---|---|---|---|',
    ...Object.entries(AWS_LATENCY_MS).map(([call, l]) => `| ${call} | ${l.ms} | ${l.basis} | ${l.source} |`),
    '',
  ];
  return lines.join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  await buildPortal({ log: () => undefined });
  const measured = readMeasuredInputs();
  const prodSynth = synthProd({ measured });
  const devSynth = synth({ measured });
  const prod = capacityOf(prodSynth, ENVIRONMENTS.prod.peak, measured);
  const dev = capacityOf(devSynth, ENVIRONMENTS.dev.peak, measured);
  writeFileSync(join(REPO_ROOT, CAPACITY_DOC), capacityMarkdown({ prod, dev, measured, prodSynth }));
  for (const row of prod.rows) {
    console.log(`${verdict(row).padEnd(5)} ${fmtHeadroom(row).padStart(8)}  ${row.limit}: need ${fmt(row.need, 1)}, limit ${fmt(row.value)} ${row.unit}`);
  }
  const failing = prod.rows.filter((r) => verdict(r) !== 'ok');
  console.log(`wrote ${CAPACITY_DOC}`);
  if (failing.length > 0) {
    console.error(`${failing.length} prod row(s) below ${REQUIRED_HEADROOM}× headroom`);
    process.exitCode = 1;
  }
}
