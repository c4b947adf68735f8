/**
 * `npm run bench`: runs each benchmark in its own process, one after another (they must not share the 2 cores),
 * prints the figures and writes docs/benchmarks.md (+ docs/benchmarks.json) with machine, Node version and date.
 * Select with `npm run bench -- render memory` (default: all). Figures are measured, never asserted.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem, loadavg, platform, release } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RESULT_PREFIX } from './stats';
import { REPO_ROOT as ROOT } from '../../shared/repo-root';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const ALL = ['render', 'cold', 'memory', 'chromium', 'e2e', 'import', 'jvm'] as const;
type Name = (typeof ALL)[number];
// --report: runs nothing, writes docs/benchmarks.md again from docs/benchmarks.json (after editing benchmarks-notes.md).
const reportOnly = process.argv.includes('--report');
const named = process.argv.slice(2).filter((a) => (ALL as readonly string[]).includes(a)) as Name[];
const chosen: Name[] = reportOnly ? [] : named.length ? named : [...ALL];

function runOne(name: Name): Promise<Record<string, unknown>> {
  const gc = name === 'memory' || name === 'import';
  const args = gc ? ['--expose-gc', '--import', 'tsx', `test/bench/${name}.ts`] : [`test/bench/${name}.ts`];
  const command = gc ? process.execPath : TSX;
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) return reject(new Error(`${name} benchmark failed (exit ${code})\n${out.slice(-2000)}`));
      resolveRun(JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, unknown>);
    });
  });
}

const jsonFile = join(ROOT, 'docs/benchmarks.json');
const previous = existsSync(jsonFile)
  ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as { machine?: typeof thisMachine & { ran?: string[] }; results?: Record<string, unknown> })
  : {};
const thisMachine = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  loadAverageAtStart: loadavg().map((l) => l.toFixed(2)).join(' '),
  ran: chosen as string[],
};
// A report keeps the machine line of the run whose figures it shows.
const machine = reportOnly && previous.machine ? { ...previous.machine, ran: previous.machine.ran ?? [] } : thisMachine;
console.log(`ecert benchmarks — ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverageAtStart}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON from the benchmark processes, read by field name below
const results: Record<string, any> = { ...(previous.results ?? {}) };
for (const name of chosen) {
  const started = Date.now();
  process.stdout.write(`- ${name} … `);
  results[name] = { ...(await runOne(name)), measuredAt: new Date().toISOString() };
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(results[name], null, 2));
}
writeFileSync(jsonFile, `${JSON.stringify({ machine, results }, null, 2)}\n`);

// docs/benchmarks.md: figures first, then how they compare with the targets.
const r = results;
const fmt = (v: unknown) => (typeof v === 'number' ? String(v) : '—');
const lines: string[] = [
  '# Benchmarks',
  '',
  `Last \`npm run bench\` (${machine.ran.join(', ')}) on ${machine.date.slice(0, 10)} — ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`,
  `(load average at start: ${machine.loadAverageAtStart}). Each benchmark runs in its own process, one after another; one named on the command line is re-run and the others keep their figures, so each has its own date: ${Object.entries(results).map(([name, v]) => `${name} ${String((v as { measuredAt?: string }).measuredAt ?? '?').slice(0, 10)}`).join(', ')}. Raw figures: \`docs/benchmarks.json\`.`,
  '',
];
if (r.render) {
  lines.push(
    '## Render (one PDF: layout, font subsets, QR code, signature)',
    '',
    `Cold first PDF (module load + font parsing + first render + sign): **${fmt(r.render.coldFirstPdfMs)} ms**, ${fmt(r.render.coldFirstPdfBytes)} bytes. Warm, over ${r.render.iterations} PDFs each. The signed PDF is the whole PAdES B-LT document (page, embedded credential, CAdES signature, RFC 3161 time-stamp, DSS) with the TSA answering in process; "without TSA" subtracts the TSA's own token-signing time (a real TSA adds a network round trip instead), "CPU" is the process CPU time per PDF (robust to other load on the machine):`,
    '',
    '| holder name | signed PDF median | p99 | without TSA median | CPU median | render only median | p99 | PDF bytes |',
    '|---|---|---|---|---|---|---|---|',
    ...(['ordinary', 'extB'] as const).map(
      (k) =>
        `| ${k === 'ordinary' ? 'ordinary (张伟)' : 'Extension B (林𠮷)'} | ${fmt(r.render[k].signedPdfMs.median)} ms | ${fmt(r.render[k].signedPdfMs.p99)} ms | ${fmt(r.render[k].signedPdfWithoutTsaMs?.median)} ms | ${fmt(r.render[k].signedPdfCpuMs?.median)} ms | ${fmt(r.render[k].renderOnlyMs.median)} ms | ${fmt(r.render[k].renderOnlyMs.p99)} ms | ${fmt(r.render[k].pdfBytes)} |`,
    ),
    '',
  );
}
if (r.cold) {
  lines.push(
    '## Cold start of the render path (the Lambda bundle)',
    '',
    `The render function's esbuild bundle (${Math.round(r.cold.bundleBytes / 1024)} KiB, minified ESM) in a fresh Node process, 5 runs: Node start-up + module evaluation median **${fmt(r.cold.initMs.median)} ms**, then the first signed PDF (fonts read and parsed, first subset, first signature) **${fmt(r.cold.firstPdfMs.median)} ms** — **${fmt(r.cold.coldTotalMs.median)} ms** in all (max ${fmt(r.cold.coldTotalMs.max)} ms). The "cold first PDF" of the render section runs from TypeScript sources under tsx, so it also pays for transpiling.`,
    '',
  );
}
if (r.chromium) {
  const ours = r.render?.extB?.signedPdfMs?.median;
  lines.push(
    '## Headless Chromium, same certificate as HTML → PDF',
    '',
    `Debian's Chromium via playwright-core, warm browser, ${r.chromium.iterations} PDFs: median **${fmt(r.chromium.warmMs.median)} ms**, p99 ${fmt(r.chromium.warmMs.p99)} ms, ${fmt(r.chromium.pdfBytes)} bytes; cold (launch + first PDF) ${fmt(r.chromium.coldFirstPdfMs)} ms.`,
    ours ? `Ratio (Chromium warm median ÷ ecert signed-PDF warm median): **${(r.chromium.warmMs.median / ours).toFixed(1)}×**.` : '',
    '',
  );
}
if (r.memory) {
  lines.push(
    '## Memory of the render path',
    '',
    `${r.memory.pdfs} PDFs in one process: peak RSS **${fmt(r.memory.peakRssMb)} MB**; RSS after 100 PDFs ${fmt(r.memory.rssAt100Mb)} MB, at the end ${fmt(r.memory.rssAtEndMb)} MB; heap after GC ${fmt(r.memory.heapAfterGcAt100Mb)} → ${fmt(r.memory.heapAfterGcAtEndMb)} MB.`,
    '',
  );
}
if (r.e2e) {
  lines.push(
    '## End to end on the local stack',
    '',
    `${r.e2e.holders} holders, ${r.e2e.annotations} annotations in all: ${r.e2e.ready} READY, ${r.e2e.failed} failed, ${r.e2e.lost} lost, ${r.e2e.refused} refused.`,
    '',
    `- apply → READY, ${r.e2e.holders} holders applying at the same moment on the warm stack: p50 **${fmt(r.e2e.applyToReadyMs.median)} ms**, p99 **${fmt(r.e2e.applyToReadyMs.p99)} ms** (max ${fmt(r.e2e.applyToReadyMs.max)} ms)${r.e2e.applyToReadyColdMs ? `; the same ${r.e2e.holders} applications first, on the fresh stack (JIT still compiling): p50 ${fmt(r.e2e.applyToReadyColdMs.median)} ms, p99 ${fmt(r.e2e.applyToReadyColdMs.p99)} ms` : ''}`,
    `- sustained: **${fmt(r.e2e.annotationsPerSecond)} annotations/s** (${r.e2e.sustainedAnnotations} in ${fmt(r.e2e.totalSeconds)} s, submitted within ${fmt(r.e2e.submitSeconds)} s); apply → READY in that run p50 ${fmt(r.e2e.applyToReadyUnderLoadMs?.median)} ms, p99 ${fmt(r.e2e.applyToReadyUnderLoadMs?.p99)} ms (queueing)`,
    `- apply request round trip (all): p50 ${fmt(r.e2e.applyRequestMs.median)} ms, p99 ${fmt(r.e2e.applyRequestMs.p99)} ms`,
    ...(r.e2e.latencySplit
      ? [
          `- where the latency goes (the ${r.e2e.holders} simultaneous applications): the apply request p50 ${fmt(r.e2e.latencySplit.applyRequestMs.median)} ms, p99 ${fmt(r.e2e.latencySplit.applyRequestMs.p99)} ms; from its 202 to READY (queue, render, S3, READY) p50 ${fmt(r.e2e.latencySplit.afterAnswerToReadyMs.median)} ms, p99 ${fmt(r.e2e.latencySplit.afterAnswerToReadyMs.p99)} ms — of which in the queue (SendMessage → receive) p50 ${fmt(r.e2e.latencySplit.queueWaitMs?.median)} ms, p99 ${fmt(r.e2e.latencySplit.queueWaitMs?.p99)} ms, and the consumer's batch (receive → handler done) p50 ${fmt(r.e2e.latencySplit.consumerBatchMs?.median)} ms, p99 ${fmt(r.e2e.latencySplit.consumerBatchMs?.p99)} ms`,
        ]
      : []),
    ...(r.e2e.unitsPerAnnotation
      ? [
          `- DynamoDB units per annotation as DynamoDB Local reports them (${r.e2e.unitsPerAnnotation.annotations} annotations, apply with Idempotency-Key + render): **${fmt(r.e2e.unitsPerAnnotation.writeUnits)} write** (table ${fmt(r.e2e.unitsPerAnnotation.writeUnitsTable)}, indexes ${fmt(r.e2e.unitsPerAnnotation.writeUnitsIndexes)}), ${fmt(r.e2e.unitsPerAnnotation.readUnits)} read; items ${Object.entries((r.e2e.unitsPerAnnotation.itemBytes ?? {}) as Record<string, number>).map(([k, v]) => `${k} ${v} B`).join(', ')} (docs/table-design.md, "Write units per annotation", for what DynamoDB bills)`,
        ]
      : []),
    '',
    `Everything runs on the same 2 cores: DynamoDB Local (Java), s3rver, local-aws-sqs, the API handlers, the pollers and the renderer share them. The emulator's own ceiling, measured in the same run with 8 requests in flight: **${fmt(r.e2e.emulatorCeiling?.getItemPerSecond)} GetItem/s** and **${fmt(r.e2e.emulatorCeiling?.transactWrite2ItemsPerSecond)} two-item TransactWriteItems/s**; the AWS calls below are those of the API handlers (the main thread); the render consumer's run in its worker threads.`,
    '',
    '| AWS call (as seen by the handlers) | n | median ms | p99 ms |',
    '|---|---|---|---|',
    ...Object.entries((r.e2e.awsCallsMs ?? {}) as Record<string, { n: number; median: number; p99: number }>).map(
      ([call, v]) => `| ${call} | ${v.n} | ${v.median} | ${v.p99} |`,
    ),
    '',
  );
}
if (r.import) {
  const i = r.import;
  const ceilingText = (c: Record<string, number> | undefined) =>
    Object.entries(c ?? {}).map(([n, v]) => `${fmt(v)}/s with ${n} in flight`).join(', ') || 'not measured';
  lines.push(
    '## Import (issue 13 §2)',
    '',
    `${i.rows} rows (${fmt(i.fileMiB)} MiB CSV with every column, half the rows with a contact) through the CLI's import pipeline into DynamoDB Local: **${fmt(i.rowsPerSecond)} rows/s** (${fmt(i.seconds)} s, ${i.concurrency} writes in flight, ${i.failed} failed). The emulator's own ceiling for the same UpdateItem (validated records, nothing else running), measured in the same run before the import: ${ceilingText(i.ceilingUpdateItemPerSecond)}; and after it, on the fuller table: ${ceilingText(i.ceilingAfterImportPerSecond)} — the import reaches **${Math.round((i.shareOfCeiling ?? 0) * 100)} %** of the best. The importing process used ${fmt(i.importCpuShareOfOneCore)} of one core meanwhile. Memory: RSS ${fmt(i.rssBeforeMiB)} MiB before, peak ${fmt(i.peakRssMiB)} MiB, peak heap ${fmt(i.peakHeapMiB)} MiB (the file is streamed).`,
    '',
  );
}
if (r.jvm) {
  type JvmRun = { flags: string; firstAnswerMs: number; phases: Array<{ after: number; jvmCpuMsPerRequest: number; requestsPerSecond: number }> };
  const runs = [r.jvm.defaults, r.jvm.chosen] as JvmRun[];
  lines.push(
    "## DynamoDB Local's JVM (local/dynamodb-local.ts)",
    '',
    `The pipeline's mix of requests (GetItem, BatchGetItem, TransactWriteItems, UpdateItem, PutItem), ${r.jvm.requestsInFlight} in flight, on a fresh in-memory emulator per setting: the JVM's own CPU per request and the requests per second, after each number of requests. The local stack uses \`${runs[1]!.flags}\`.`,
    '',
    `| JVM flags | first answer ms | ${runs[0]!.phases.map((p) => `CPU ms/request, ≤ ${p.after}`).join(' | ')} | ${runs[0]!.phases.map((p) => `requests/s, ≤ ${p.after}`).join(' | ')} |`,
    `|---|---|${runs[0]!.phases.map(() => '---|').join('')}${runs[0]!.phases.map(() => '---|').join('')}`,
    ...runs.map((run) => `| ${run.flags} | ${run.firstAnswerMs} | ${run.phases.map((p) => p.jvmCpuMsPerRequest).join(' | ')} | ${run.phases.map((p) => p.requestsPerSecond).join(' | ')} |`),
    '',
  );
}
const notesFile = join(ROOT, 'docs/benchmarks-notes.md');
if (existsSync(notesFile)) lines.push(readFileSync(notesFile, 'utf8'));
writeFileSync(join(ROOT, 'docs/benchmarks.md'), `${lines.filter((l) => l !== undefined).join('\n')}\n`);
console.log('wrote docs/benchmarks.md and docs/benchmarks.json');
// The cost model reads the measured render time just written.
(await import('./cost-model')).writeCostModel();
