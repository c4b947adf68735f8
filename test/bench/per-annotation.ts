/**
 * `npm run measure:annotation`: what ONE annotation really costs, measured on the local stack with the portal driven in
 * Debian's Chromium exactly as a holder and a verifier use it — no request is scripted by hand:
 *
 *   holder:       log in → 我的证书 → the certificate → 申请加注 → wait until the row says READY → 下载加注件
 *   verifier:     opens the QR code's URL in a fresh browser → the verification page shows 查验通过
 *   registration: a holder without an account registers and accepts the service notice
 *
 * Counted per annotation, each at the place it happens:
 * - API calls by route, from the local HTTP server's access log (the same line the stage's access log has);
 *   requests for the portal's static files separately (in the cloud they are CloudFront/S3, not API Gateway);
 * - DynamoDB read/write units, table and each GSI apart: every call through the shared client is sent with
 *   `ReturnConsumedCapacity: INDEXES` by a middleware, and DynamoDB Local's answer is summed;
 * - SQS and S3 requests by operation through the shared clients (the render consumer runs on the main thread here,
 *   so its calls pass the same middleware), plus the browser's presigned GETs to S3;
 * - each function's invocations, wall time, process CPU time and time inside AWS calls (render milliseconds).
 *
 * Writes docs/per-annotation.json, which infra/sizing.ts (route throttles, render concurrency, warm throughput),
 * `npm run capacity` and the cost model read. Flows run one after another, each in a fresh browser (cold cache), so
 * every call belongs to one flow. BENCH_FLOWS=N (default 5) sets how many runs of each flow are measured.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { startLocalRuntime } from '../../local/runtime';
import { moduleHandlerLoader, type HandlerLoader } from '../../local/handlers';
import { freePort } from '../../local/ports';
import { buildPortal, PORTAL_DIST_DIR } from '../../portal/build/build';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { ddb, s3, sqs } from '../../shared/aws/clients';
import { REPO_ROOT } from '../../shared/repo-root';
import { FUNCTIONS } from '../../shared/resources/functions';
import type { EmulatorEndpoints } from '../../shared/target/local-target';
import { launchChromium } from '../support/browser';
import { testSeal } from '../support/sealer';
import { verificationCodeCandidates } from '../../shared/domain/annotation';
import { benchInput, NAMES } from './inputs';
import { certificateRecord, PASSWORD, residentId } from '../support/factories';
import { codeSentTo, login, readyHolder, sessionFor, testMobile } from '../support/holder-client';
import type { TestStack } from '../support/local-stack';
import { EMULATORS_LINE, round, summarize } from './stats';
import { PER_ANNOTATION_FILE, readBenchmarks, type FlowCosts, type PerAnnotation, type UnitCounts } from '../../infra/measured';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 5);
const quietMs = 300;

// ---------------------------------------------------------------------------------------------------------------
// Counters. Everything recorded goes into the current flow's bucket ('setup' outside a flow, never reported).

type Phase = 'holder' | 'verifier' | 'registration' | 'setup';
interface Bucket {
  routes: Map<string, number>;
  staticRequests: number;
  browserS3Gets: number;
  /** `${service} ${operation}` → count; per function as `${fn}|${service} ${operation}`. */
  awsCalls: Map<string, number>;
  ddb: Map<string, UnitCounts>;
  /** cpuMs: invocations that ran alone (their CPU time is theirs); cpuOverlappedMs: the others (an upper bound). */
  invocations: Map<string, { n: number; wallMs: number[]; cpuMs: number[]; cpuOverlappedMs: number[]; awsMs: number[]; records: number }>;
  /** Bytes the functions wrote to stdout as structured log lines and embedded metrics (CloudWatch Logs ingests them). */
  logBytes: number;
  logLines: number;
}
const newBucket = (): Bucket => ({
  routes: new Map(),
  staticRequests: 0,
  browserS3Gets: 0,
  awsCalls: new Map(),
  ddb: new Map(),
  invocations: new Map(),
  logBytes: 0,
  logLines: 0,
});
let phase: Phase = 'setup';
const buckets: Record<Exclude<Phase, 'setup'>, Bucket[]> = { holder: [], verifier: [], registration: [] };
let current: Bucket = newBucket();
const inc = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/**
 * Which function is running: AWS calls are attributed to it. Outside any handler the caller is the runtime's SQS
 * poller, which plays the event source mapping (ReceiveMessage, DeleteMessageBatch).
 */
const invocation = new AsyncLocalStorage<{ fn: string; awsMs: number; bucket: Bucket }>();

/**
 * The functions' own log output, as Lambda would ship it to CloudWatch Logs: Powertools' JSON lines and the metrics'
 * EMF documents, at the levels the stack runs with (npm run measure:annotation sets them). Counted per invocation's
 * bucket and kept off the terminal.
 */
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const state = invocation.getStore();
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (state && text.startsWith('{')) {
    state.bucket.logBytes += Buffer.byteLength(text);
    state.bucket.logLines += text.split('\n').filter((line) => line.trim()).length;
    return true;
  }
  return (writeStdout as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

// The access log line of the local HTTP server: `<METHOD> <route key or "static"/"$default"> <status> <ms>ms`.
const ACCESS_LINE = /^(GET|POST|PUT|DELETE|PATCH|HEAD) (.+) (\d{3}) [\d.]+ms$/;
const log = (line: string) => {
  const match = ACCESS_LINE.exec(line);
  if (!match) return;
  const [, method, target] = match;
  // The local outbox (/dev/…) exists only locally: reading a code from it is the person reading their phone.
  if (target!.includes('/dev/')) return;
  if (target === 'static') current.staticRequests++;
  else inc(current.routes, target!.startsWith('/') || target === '$default' ? `${method} ${target}` : target!);
};

// ---------------------------------------------------------------------------------------------------------------

const base = moduleHandlerLoader();
/** Invocations in flight: the process's CPU time is one invocation's own only while nothing else runs. */
const active = new Set<{ overlapped: boolean }>();
const loadHandler: HandlerLoader = async (fn) => {
  const handler = await base(fn);
  return async (event, context) => {
    // A scheduled job (the reconciler) runs on its timer, not because of an annotation: never counted in a flow.
    const bucket = fn.trigger?.type === 'schedule' ? newBucket() : current;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const state = { fn: fn.id, awsMs: 0, bucket };
    const self = { overlapped: active.size > 0 };
    for (const other of active) other.overlapped = true;
    active.add(self);
    try {
      return await invocation.run(state, () => handler(event, context));
    } finally {
      active.delete(self);
      const used = process.cpuUsage(cpu);
      const entry = bucket.invocations.get(fn.id) ?? { n: 0, wallMs: [], cpuMs: [], cpuOverlappedMs: [], awsMs: [], records: 0 };
      entry.n++;
      entry.wallMs.push(performance.now() - started);
      (self.overlapped ? entry.cpuOverlappedMs : entry.cpuMs).push((used.user + used.system) / 1000);
      entry.awsMs.push(state.awsMs);
      entry.records += (event as { Records?: unknown[] }).Records?.length ?? 0;
      bucket.invocations.set(fn.id, entry);
    }
  };
};

const dataDir = mkdtempSync(join(tmpdir(), 'ecert-measure-'));
await buildPortal({ log: () => undefined });
// The emulators run in their own process, so this process's CPU time during an invocation is the handler's own.
const emulatorProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/bench/emulators-process.ts')], {
  cwd: REPO_ROOT,
  stdio: ['pipe', 'pipe', 'inherit'],
});
const endpoints = await new Promise<EmulatorEndpoints>((resolveEndpoints, reject) => {
  let out = '';
  emulatorProcess.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const line = out.split('\n').find((l) => l.startsWith(EMULATORS_LINE));
    if (line) resolveEndpoints(JSON.parse(line.slice(EMULATORS_LINE.length)) as EmulatorEndpoints);
  });
  emulatorProcess.once('exit', (code) => reject(new Error(`emulators exited (${code}) before they were ready`)));
});
const runtime = await startLocalRuntime({
  dataDir,
  apiPort: await freePort(),
  emulators: endpoints,
  persist: false,
  publicRateLimit: { ratePerSecond: 1e6, burst: 1e6 },
  pollIdleDelayMs: 20,
  // The consumer on the main thread: its AWS calls pass the same counting middleware as the API handlers'.
  consumerWorkers: 0,
  portalDir: PORTAL_DIST_DIR,
  loadHandler,
  log,
});

const DDB_OPERATIONS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems',
]);
interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }>;
}
const isWrite = (operation: string) => /Put|Update|Delete|Write/.test(operation);
function addUnits(bucket: Bucket, key: string, read: number, write: number) {
  const entry = bucket.ddb.get(key) ?? { read: 0, write: 0 };
  entry.read += read;
  entry.write += write;
  bucket.ddb.set(key, entry);
}
function recordCapacity(bucket: Bucket, fn: string, operation: string, capacity: Capacity) {
  // DynamoDB reports CapacityUnits (and Read/Write split for transactions); attribute the rest by operation type.
  const split = (c: { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined) => {
    if (!c) return { read: 0, write: 0 };
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      return { read: c.ReadCapacityUnits ?? 0, write: c.WriteCapacityUnits ?? 0 };
    }
    return isWrite(operation) ? { read: 0, write: c.CapacityUnits ?? 0 } : { read: c.CapacityUnits ?? 0, write: 0 };
  };
  const table = split(capacity.Table ?? capacity);
  addUnits(bucket, `table`, table.read, table.write);
  addUnits(bucket, `fn:${fn}`, table.read, table.write);
  addUnits(bucket, `op:${operation}`, table.read, table.write);
  for (const [index, units] of Object.entries(capacity.GlobalSecondaryIndexes ?? {})) {
    const u = split(units);
    addUnits(bucket, `index:${index}`, u.read, u.write);
    addUnits(bucket, `fn:${fn}`, u.read, u.write);
    addUnits(bucket, `op:${operation}`, u.read, u.write);
  }
}

for (const [service, client] of [['dynamodb', ddb()], ['s3', s3()], ['sqs', sqs()]] as const) {
  (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>, context: { commandName: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const operation = context.commandName.replace(/Command$/, '');
        const state = invocation.getStore();
        const bucket = state?.bucket ?? current;
        const fn = state?.fn ?? 'EventSourceMapping';
        if (service === 'dynamodb' && DDB_OPERATIONS.has(operation)) args.input.ReturnConsumedCapacity = 'INDEXES';
        const started = performance.now();
        const result = await next(args);
        if (state) state.awsMs += performance.now() - started;
        const output = result.output;
        // Not work an annotation causes: the local poller's empty receives and queue-depth checks (its idle loop), and
        // the TTL sweeper's scans (DynamoDB deletes expired items itself in the cloud).
        const emptyReceive = operation === 'ReceiveMessage' && !((output.Messages as unknown[] | undefined)?.length);
        const idle = emptyReceive || (fn === 'EventSourceMapping' && (operation === 'GetQueueAttributes' || service === 'dynamodb'));
        if (idle) return result;
        // getSignedUrl runs the command through the client's middleware but stops before sending: no request is made.
        const call = 'presigned' in output ? `${service} presign ${operation}` : `${service} ${operation}`;
        inc(bucket.awsCalls, call);
        inc(bucket.awsCalls, `${fn}|${call}`);
        if (service === 'dynamodb' && output.ConsumedCapacity) {
          for (const capacity of [output.ConsumedCapacity].flat() as Capacity[]) recordCapacity(bucket, fn, operation, capacity);
        }
        return result;
      },
    { step: 'initialize', name: 'measurePerAnnotation' },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Prepare (not counted): holders with a certificate each, registered and past the notice — on results day the
// holders have accounts already (10 million registered). The first flow warms the browser-side path and is not counted.

// The holder client of the tests, over this runtime's API (it needs only `api`).
const stack = { apiUrl: runtime.apiUrl, api: (path: string, init: RequestInit = {}) => fetch(`${runtime.apiUrl}${path}`, init) } as TestStack;
const key = await getSecret('idHashKey');
const holders: { idNumber: string; certId: string }[] = [];
for (let i = 0; i <= FLOWS; i++) {
  const name = i % 2 ? '林𠮷' : '张伟';
  const idNumber = residentId('19880315');
  const record = certificateRecord({ holderName: name, idNumber, qualificationCode: 'ECONOMICS' });
  await upsertCertificate(record, key);
  await readyHolder(stack, { name, idNumber });
  holders.push({ idNumber, certId: record.certId });
}
const s3Origin = new URL(runtime.target.endpoints.s3).host;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Warm containers are what a peak runs on: each Lambda container there serves hundreds of requests a minute, so its
 * code is compiled by V8's optimizing tiers, while a handler called only a few times runs interpreted and takes
 * several times the CPU. Before measuring, the holder's API sequence runs WARMUP rounds straight over HTTP (same
 * handlers, same runtime); none of it is counted. Cold starts are measured by `npm run bench` (cold).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
async function warmUp(): Promise<void> {
  for (let round = 0; round < WARMUP; round++) {
    const idNumber = residentId('19700101');
    const record = certificateRecord({ holderName: '张伟', idNumber });
    await upsertCertificate(record, key);
    await readyHolder(stack, { name: '张伟', idNumber });
    const holder = sessionFor(stack, ((await (await login(stack, { idNumber })).json()) as { token: string }).token, '');
    await holder.get('/v1/certificates');
    const base = `/v1/certificates/${record.certId}`;
    await holder.get(base);
    const applied = (await (await holder.post(`${base}/annotations`, { scenario: 'SELF_USE', validDays: 90 })).json()) as { annotationId: string };
    let annotation: { status: string; verificationCode?: string } = { status: 'PENDING' };
    for (let i = 0; i < 100 && annotation.status === 'PENDING'; i++) {
      await sleep(50);
      annotation = (await (await holder.get(`${base}/annotations/${applied.annotationId}`)).json()) as typeof annotation;
    }
    await holder.get(`${base}/annotations`);
    await holder.get(`${base}/annotations/${applied.annotationId}/download`);
    await stack.api(`/v1/verify/${annotation.verificationCode}`, { headers: { accept: 'application/json' } });
  }
}

async function settle() {
  // The stream consumers' batching window would otherwise carry a flow's audit and counter batches into the next one.
  await runtime.drainStreams();
  await sleep(quietMs);
}

let measuring = false;
async function begin(which: Exclude<Phase, 'setup'>): Promise<void> {
  await settle();
  current = newBucket();
  if (!measuring) return;
  phase = which;
  buckets[which].push(current);
}
async function end(): Promise<void> {
  await settle();
  phase = 'setup';
  current = newBucket();
}

async function registrationFlow(index: number): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await begin('registration');
    await page.goto(`${runtime.apiUrl}/register`);
    await page.getByLabel('姓名', { exact: true }).fill(index % 2 ? '王芳' : '李娜');
    await page.getByLabel('证件号码').fill(residentId('19950607'));
    // Accounts v2: a code to the holder's own mobile, read from the local outbox (as the holder reads their phone).
    const mobile = testMobile();
    await page.getByLabel('手机号码或电子邮箱').fill(mobile);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await page.getByText('验证码已发送').waitFor();
    await page.getByLabel('验证码', { exact: true }).fill(await codeSentTo(stack, mobile));
    await page.getByLabel('设置密码').fill(PASSWORD);
    await page.getByLabel('确认密码').fill(PASSWORD);
    await page.getByRole('button', { name: '注册', exact: true }).click();
    await page.waitForURL(/\/notice$/);
    await page.getByLabel('我已阅读并同意以上服务须知').check();
    await page.getByRole('button', { name: '同意并继续' }).click();
    await page.getByText('未查询到您名下的证书信息').waitFor();
    await end();
  } finally {
    await browser.close();
  }
}

async function trackBrowserS3(page: Page) {
  page.on('request', (request) => {
    if (new URL(request.url()).host === s3Origin && phase !== 'setup') current.browserS3Gets++;
  });
}

async function holderFlow(holder: (typeof holders)[number]): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await trackBrowserS3(page);
    await begin('holder');
    await page.goto(`${runtime.apiUrl}/login`);
    await page.getByLabel('证件号码').fill(holder.idNumber);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/\/certificates$/);
    await page.getByRole('link', { name: /^经济专业技术资格/ }).first().click();
    await page.waitForURL(new RegExp(`/certificates/${holder.certId}$`));
    await page.getByRole('button', { name: '申请加注' }).click();
    // The portal's confirmation step: nothing is applied for until 提交加注申请.
    await page.getByRole('button', { name: '提交加注申请' }).click();
    const ready = page.locator('li[data-status="READY"]');
    await ready.waitFor({ timeout: 30_000 });
    const code = (await ready.locator('code').textContent()) ?? '';
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载加注件' }).click()]);
    await download.path();
    await end();
    return code;
  } finally {
    await browser.close();
  }
}

async function verifierFlow(code: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await begin('verifier');
    // The QR code on the PDF encodes {public base URL}/v1/verify/{code}; a phone's browser opens it.
    await page.goto(`${runtime.apiUrl}/v1/verify/${code}`);
    await page.getByText('查验通过：证书真实有效').waitFor();
    await end();
  } finally {
    await browser.close();
  }
}

await warmUp();
process.stderr.write(`warm-up: ${WARMUP} rounds of the holder's API sequence\n`);

/**
 * How fast this machine is right now, against the render benchmark (docs/benchmarks.json): the same signed PDF, timed
 * here in CPU milliseconds. The machine is shared, so CPU times vary with its load; infra/sizing.ts scales the
 * handlers' CPU by benchmark ÷ now, so measurements taken under different load compare.
 */
async function calibrate(): Promise<{ renderCpuMs: number; benchmarkMs: number; factor: number }> {
  const { renderSignedCertificate } = await import('../../shared/pdf/signed-certificate');
  // The render benchmark's seal: file CA, in-process TSA (test/bench/render.ts).
  const { sealer: signing } = await testSeal();
  for (let i = 0; i < 20; i++) await renderSignedCertificate(benchInput(NAMES.extB, i), signing);
  const samples: number[] = [];
  for (let i = 0; i < CALIBRATION_PDFS; i++) {
    const cpu = process.cpuUsage();
    await renderSignedCertificate(benchInput(NAMES.extB, i), signing);
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / 1000);
  }
  const renderCpuMs = summarize(samples).mean;
  const benchmarkMs = readBenchmarks().results.render.extB.signedPdfMs.mean;
  return { renderCpuMs, benchmarkMs, factor: round(Math.min(1, benchmarkMs / renderCpuMs), 3) };
}
const CALIBRATION_PDFS = 100;
const calibration = await calibrate();
process.stderr.write(`calibration: signed PDF ${calibration.renderCpuMs} ms CPU now, ${calibration.benchmarkMs} ms in the render benchmark\n`);
const startedAt = new Date();
const loadAverageAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
for (const [i, holder] of holders.entries()) {
  // Warm containers are what a peak runs on (cold starts are measured by `npm run bench`).
  measuring = i > 0;
  // The page shows the code grouped for reading (7K3QF-9X2MA-…); the QR code carries its canonical form.
  const code = verificationCodeCandidates(await holderFlow(holder))[0];
  if (!code) throw new Error(`flow ${i}: no verification code on the READY row`);
  await verifierFlow(code);
  await registrationFlow(i);
  process.stderr.write(i === 0 ? 'warm-up flow done\n' : `flow ${i}/${FLOWS} done\n`);
}
await runtime.stop();
emulatorProcess.stdin!.end();
rmSync(dataDir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------------------------
// Each flow's cost = mean over its runs; per annotation = holder + verifier (infra/sizing.ts combines them with the
// peak profile's rates).

const meanOf = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), 3);
const spread = (values: number[]) => ({ mean: meanOf(values), min: Math.min(...values), max: Math.max(...values) });
function keyed<V>(runs: Bucket[], pick: (bucket: Bucket) => Map<string, V>, value: (v: V) => number): Record<string, number[]> {
  const keys = new Set(runs.flatMap((b) => [...pick(b).keys()]));
  return Object.fromEntries([...keys].sort().map((k) => [k, runs.map((b) => { const v = pick(b).get(k); return v === undefined ? 0 : value(v); })]));
}
const mapValues = <A, B>(record: Record<string, A>, f: (a: A) => B) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
const unitsWith = (runs: Bucket[], prefix: string) => {
  const read = keyed(runs, (b) => b.ddb, (u) => u.read);
  const write = keyed(runs, (b) => b.ddb, (u) => u.write);
  return Object.fromEntries(
    Object.keys(read).filter((k) => k.startsWith(prefix)).map((k) => [k.slice(prefix.length), { read: meanOf(read[k]!), write: meanOf(write[k]!) }]),
  );
};
function flowCosts(runs: Bucket[]): FlowCosts {
  return {
    apiCalls: mapValues(keyed(runs, (b) => b.routes, (n) => n), spread),
    staticRequests: spread(runs.map((b) => b.staticRequests)),
    s3BrowserGets: spread(runs.map((b) => b.browserS3Gets)),
    awsCalls: mapValues(keyed(runs, (b) => b.awsCalls, (n) => n), meanOf),
    dynamodb: { table: unitsWith(runs, 'table')[''] ?? { read: 0, write: 0 }, indexes: unitsWith(runs, 'index:'), byFunction: unitsWith(runs, 'fn:') },
    invocations: mapValues(keyed(runs, (b) => b.invocations, (e) => e.n), meanOf),
    logs: { bytes: meanOf(runs.map((b) => b.logBytes)), lines: meanOf(runs.map((b) => b.logLines)) },
  };
}

const functions: PerAnnotation['functions'] = {};
const everyRun = Object.values(buckets).flat();
for (const decl of Object.values(FUNCTIONS)) {
  const all = everyRun.map((b) => b.invocations.get(decl.id)).filter((e) => e !== undefined);
  if (all.length === 0) continue;
  functions[decl.id] = {
    memoryMb: decl.memoryMb,
    recordsPerInvocation: round(all.reduce((s, e) => s + e.records, 0) / Math.max(1, all.reduce((s, e) => s + e.n, 0)), 2),
    wallMs: summarize(all.flatMap((e) => e.wallMs)),
    // CPU of invocations that ran alone; only when none did, the overlapped ones (an upper bound).
    cpuMs: summarize(all.some((e) => e.cpuMs.length > 0) ? all.flatMap((e) => e.cpuMs) : all.flatMap((e) => e.cpuOverlappedMs)),
    awsMs: summarize(all.flatMap((e) => e.awsMs)),
  };
}

const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

const result: PerAnnotation = {
  measuredAt: startedAt.toISOString(),
  machine: {
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart,
  },
  source: { commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain']) !== '' },
  runs: FLOWS,
  calibration,
  perFlow: { holder: flowCosts(buckets.holder), verifier: flowCosts(buckets.verifier), registration: flowCosts(buckets.registration) },
  functions,
};
writeFileSync(join(REPO_ROOT, PER_ANNOTATION_FILE), `${JSON.stringify(result, null, 2)}\n`);

console.log(`mean of ${FLOWS} runs per flow (${result.machine.cpu}, Node ${result.machine.node}):`);
for (const [flow, costs] of Object.entries(result.perFlow)) {
  console.log(`${flow}:`);
  for (const [route, v] of Object.entries(costs.apiCalls)) console.log(`  ${route.padEnd(66)} ${v.mean} (min ${v.min}, max ${v.max})`);
  console.log(`  static requests ${costs.staticRequests.mean}, browser S3 GETs ${costs.s3BrowserGets.mean}, log output ${costs.logs.bytes} bytes in ${costs.logs.lines} lines`);
  console.log(`  DynamoDB table ${JSON.stringify(costs.dynamodb.table)}, indexes ${JSON.stringify(costs.dynamodb.indexes)}`);
  for (const [call, n] of Object.entries(costs.awsCalls)) if (!call.includes('|')) console.log(`  ${call}: ${n}`);
}
for (const [fn, f] of Object.entries(result.functions)) {
  console.log(`  ${fn.padEnd(18)} wall mean ${f.wallMs.mean} ms, cpu ${f.cpuMs.mean} ms, in AWS calls ${f.awsMs.mean} ms`);
}
console.log(`wrote ${PER_ANNOTATION_FILE}`);
