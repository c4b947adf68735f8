/**
 * End to end on the local stack (real emulators, real handlers, the real render consumer in worker threads as under
 * npm start). First N holders (default 20) apply once each at the same moment, twice: on the fresh stack (cold: the
 * handlers' and emulators' JIT still compiling, as in the first minute after npm start), then again on the warm one,
 * as a busy service's containers are. Both give apply → READY latency, from the moment the POST is sent to the READY
 * commit (the consumer's renderedAt); the warm one is split into the apply request and what follows it.
 * Then each applies for the rest of its K certificates × 3 (the quota), one request at a time per holder: sustained
 * annotations per second. Checks that nothing is lost or failed. Every application carries an Idempotency-Key, as
 * the portal's do. Last, on a fresh stack with the consumer on the main thread (so one middleware sees every call),
 * the DynamoDB read and write units one annotation costs, as DynamoDB Local reports them (ReturnConsumedCapacity).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../local/runtime';
import { freePort } from '../../local/ports';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { listAnnotations } from '../../shared/repository/annotations';
import { ddb, s3, sqs } from '../../shared/aws/clients';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { certificateRecord, residentId } from '../support/factories';
import { register } from '../support/holder-client';
import { report, round, summarize } from './stats';

const HOLDERS = Number(process.env.BENCH_HOLDERS ?? 20);
const CERTS_PER_HOLDER = Number(process.env.BENCH_CERTS_PER_HOLDER ?? 5);
const PER_CERT = 3;
const dataDir = mkdtempSync(join(tmpdir(), 'ecert-bench-'));
const quiet = () => undefined;
const runtime = await startLocalRuntime({
  dataDir,
  apiPort: await freePort(),
  emulatorPorts: { dynamodb: await freePort(), s3: await freePort(), sqs: await freePort() },
  persist: false,
  publicRateLimit: { ratePerSecond: 1e6, burst: 1e6 },
  pollIdleDelayMs: 10,
  consumerWorkers: Number(process.env.BENCH_CONSUMER_WORKERS ?? 2),
  log: quiet,
});
// Per-command latency of every AWS call the handlers make (one process: the runtime's clients are these).
const calls = new Map<string, number[]>();
for (const [service, client] of [['dynamodb', ddb()], ['s3', s3()], ['sqs', sqs()]] as const) {
  (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        const key = `${service} ${context.commandName.replace(/Command$/, '')}`;
        (calls.get(key) ?? calls.set(key, []).get(key)!).push(performance.now() - t);
      }
    },
    { step: 'initialize', name: 'benchTiming' },
  );
}
async function inPairs<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += 2) results.push(...(await Promise.all(tasks.slice(i, i + 2).map((task) => task()))));
  return results;
}
const api = (path: string, init: RequestInit = {}) => fetch(`${runtime.apiUrl}${path}`, init);
const stack = { api, apiUrl: runtime.apiUrl };
const json = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

// Prepare (not measured): certificates, accounts, sessions, notice.
const key = await getSecret('idHashKey');
const notice = (await (await api('/v1/notice')).json()) as { version: string };
// Two at a time: each registration and login hashes a password with scrypt (N = 2^17, ≈ 0.3 s of one core), and 20 at
// once on 2 cores run past the functions' timeouts — Lambda would give each its own container.
const holders = await inPairs(
  Array.from({ length: HOLDERS }, (_, h) => async () => {
    const name = h % 2 ? '林𠮷' : '张伟';
    const idNumber = residentId('19880315');
    const certs: string[] = [];
    // One more than the measured ones: the cold round's application.
    for (let k = 0; k <= CERTS_PER_HOLDER; k++) {
      const record = certificateRecord({ holderName: name, idNumber });
      await upsertCertificate(record, key);
      certs.push(record.certId);
    }
    // Accounts v2: a REGISTER code to the holder's own mobile, read from the local outbox.
    const registered = await register(stack, { name, idNumber, password: 'Bench-pass-2026' });
    if (registered.status !== 201) throw new Error(`registration failed: ${registered.status} ${await registered.text()}`);
    const session = (await (await api('/v1/sessions', json('POST', { idType: 'RESIDENT_ID', idNumber, password: 'Bench-pass-2026' }))).json()) as { token: string };
    await api('/v1/notice/acceptance', json('POST', { version: notice.version }, session.token));
    return { token: session.token, coldCert: certs.pop()!, certs };
  }),
);

calls.clear();
const sentAt = new Map<string, number>();
const applyMs: number[] = [];
let refused = 0;
const answeredAt = new Map<string, number>();
async function applyOnce(holder: (typeof holders)[number], certId: string): Promise<string | undefined> {
  const t = Date.now();
  const request = json('POST', { scenario: 'SELF_USE', validDays: 90 }, holder.token);
  (request.headers as Record<string, string>)['idempotency-key'] = randomUUID();
  const response = await api(`/v1/certificates/${certId}/annotations`, request);
  applyMs.push(Date.now() - t);
  if (response.status !== 202) {
    refused++;
    return undefined;
  }
  const { annotationId } = (await response.json()) as { annotationId: string };
  sentAt.set(annotationId, t);
  answeredAt.set(annotationId, Date.now());
  return annotationId;
}

// Waits for the queue to drain — cheap to ask, unlike querying every certificate, which would itself load DynamoDB
// Local and slow the pipeline it measures.
async function drain(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const out = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: runtime.target.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const depth =
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (depth === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Act 0 — cold: the N holders apply once each, at the same moment, on the fresh stack.
await Promise.all(holders.map((h) => applyOnce(h, h.coldCert)));
await drain();
await new Promise((r) => setTimeout(r, 600));
const coldSamples = runtime.pollers.RenderConsumer?.stats.recent.length ?? 0;
const coldAnnotations = (await Promise.all(holders.map((h) => listAnnotations(h.coldCert)))).flat().filter((a) => a.status === 'READY');
const coldLatencies = coldAnnotations.map((a) => Date.parse(a.renderedAt!) - sentAt.get(a.annotationId)!);

// Act 1 — latency: the N holders apply once each, at the same moment, on the idle, warm pipeline.
const latencyIds = new Set<string>();
await Promise.all(holders.map(async (h) => latencyIds.add((await applyOnce(h, h.certs[0]!)) ?? '')));
latencyIds.delete('');
await drain();
// The consumer's view of the same annotations (worker threads report every 250 ms): SentTimestamp → receive, and the
// batch's handler time.
await new Promise((r) => setTimeout(r, 600));
const consumerSamples = [...(runtime.pollers.RenderConsumer?.stats.recent ?? [])].slice(coldSamples);

// Act 2 — throughput: every remaining application (certificates × 3 per holder), holders concurrently, each holder one
// request at a time.
const started = Date.now();
await Promise.all(
  holders.map(async (holder) => {
    for (const [k, certId] of holder.certs.entries()) {
      for (let i = k === 0 ? 1 : 0; i < PER_CERT; i++) await applyOnce(holder, certId);
    }
  }),
);
const allSent = Date.now();
await drain();

const certs = holders.flatMap((h) => [h.coldCert, ...h.certs]);
const annotations = (await Promise.all(certs.map((c) => listAnnotations(c)))).flat();
const awsCallsMs = Object.fromEntries(
  [...calls].sort((a, b) => b[1].length - a[1].length).map(([key, samples]) => [key, summarize(samples)]),
);
const ready = annotations.filter((a) => a.status === 'READY');
const latencyReady = ready.filter((a) => latencyIds.has(a.annotationId));
const latencies = latencyReady.map((a) => Date.parse(a.renderedAt!) - sentAt.get(a.annotationId)!);
// Where the time goes, per annotation of the latency phase: the apply request (POST sent → 202 read), and from the 202
// to the READY commit (SendMessage already done: queue wait, receive, render, S3, READY).
const latencySplit = {
  applyRequestMs: summarize(latencyReady.map((a) => answeredAt.get(a.annotationId)! - sentAt.get(a.annotationId)!)),
  afterAnswerToReadyMs: summarize(latencyReady.map((a) => Date.parse(a.renderedAt!) - answeredAt.get(a.annotationId)!)),
  queueWaitMs: summarize(consumerSamples.map((r) => r.waitMs)),
  consumerBatchMs: summarize(consumerSamples.map((r) => r.handledMs)),
};
const coldIds = new Set(coldAnnotations.map((a) => a.annotationId));
const sustained = ready.filter((a) => !latencyIds.has(a.annotationId) && !coldIds.has(a.annotationId));
const lastReady = Math.max(...sustained.map((a) => Date.parse(a.renderedAt!)));
const underLoad = sustained.map((a) => Date.parse(a.renderedAt!) - sentAt.get(a.annotationId)!);

// The emulator's own ceiling, for reading the figures above: raw DynamoDB Local throughput on this machine, 8 requests
// in flight, for the two operations the pipeline does most.
async function opsPerSecond(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) await op(next++);
  }));
  return round(count / ((performance.now() - t) / 1000), 0);
}
const table = runtime.target.tableName;
const emulatorCeiling = {
  getItemPerSecond: await opsPerSecond(400, (i) => ddb().send(new GetCommand({ TableName: table, Key: { pk: `BENCH#${i % 20}`, sk: 'X' } }))),
  transactWrite2ItemsPerSecond: await opsPerSecond(200, (i) =>
    ddb().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: `BENCH#${i}`, sk: 'A' } } },
          { Put: { TableName: table, Item: { pk: `BENCH#${i}`, sk: 'B' } } },
        ],
      }),
    ),
  ),
};
await runtime.stop();
rmSync(dataDir, { recursive: true, force: true });

// Units per annotation: a fresh stack, the consumer polling on the main thread, every DynamoDB call sent with
// ReturnConsumedCapacity INDEXES and its answer summed (table and indexes), after the holders are set up.
const units = await measureUnits(Number(process.env.BENCH_UNIT_ANNOTATIONS ?? 10));

report({
  bench: 'e2e',
  holders: HOLDERS,
  annotations: sentAt.size,
  refused,
  ready: ready.length,
  failed: annotations.filter((a) => a.status === 'FAILED').length,
  lost: sentAt.size - ready.length - annotations.filter((a) => a.status === 'FAILED').length,
  applyRequestMs: summarize(applyMs),
  applyToReadyMs: summarize(latencies),
  applyToReadyColdMs: summarize(coldLatencies),
  sustainedAnnotations: sustained.length,
  applyToReadyUnderLoadMs: summarize(underLoad),
  submitSeconds: round((allSent - started) / 1000),
  totalSeconds: round((lastReady - started) / 1000),
  annotationsPerSecond: round(sustained.length / ((lastReady - started) / 1000), 1),
  latencySplit,
  awsCallsMs,
  emulatorCeiling,
  unitsPerAnnotation: units,
});

async function measureUnits(count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-units-'));
  const stack = await startLocalRuntime({
    dataDir: dir,
    apiPort: await freePort(),
    emulatorPorts: { dynamodb: await freePort(), s3: await freePort(), sqs: await freePort() },
    persist: false,
    publicRateLimit: { ratePerSecond: 1e6, burst: 1e6 },
    pollIdleDelayMs: 10,
    consumerWorkers: 0,
    log: quiet,
  });
  const sum = { read: 0, write: 0, writeTable: 0, writeIndexes: 0, counting: false };
  const byCommand = new Map<string, number>();
  // The document client's middleware sees the low-level commands' names.
  const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand', 'ScanCommand']);
  (ddb().middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: { ConsumedCapacity?: unknown } }>, context: { commandName: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        args.input.ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        if (!sum.counting) return result;
        type Consumed = { CapacityUnits?: number; Table?: { CapacityUnits?: number } };
        for (const c of [result.output.ConsumedCapacity].flat().filter(Boolean) as Consumed[]) {
          byCommand.set(context.commandName, (byCommand.get(context.commandName) ?? 0) + (c.CapacityUnits ?? 0));
          if (READS.has(context.commandName)) sum.read += c.CapacityUnits ?? 0;
          else {
            sum.write += c.CapacityUnits ?? 0;
            sum.writeTable += c.Table?.CapacityUnits ?? 0;
            sum.writeIndexes += (c.CapacityUnits ?? 0) - (c.Table?.CapacityUnits ?? 0);
          }
        }
        return result;
      },
    { step: 'initialize', name: 'benchCapacity' },
  );
  const call = (path: string, init: RequestInit = {}) => fetch(`${stack.apiUrl}${path}`, init);
  const hashKey = await getSecret('idHashKey');
  const v = (await (await call('/v1/notice')).json()) as { version: string };
  const people = await inPairs(
    Array.from({ length: count }, () => async () => {
      const idNumber = residentId('19880315');
      const record = certificateRecord({ holderName: '张伟', idNumber });
      await upsertCertificate(record, hashKey);
      const registered = await register({ api: call, apiUrl: stack.apiUrl }, { name: '张伟', idNumber, password: 'Bench-pass-2026' });
      if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);
      const session = (await (await call('/v1/sessions', json('POST', { idType: 'RESIDENT_ID', idNumber, password: 'Bench-pass-2026' }))).json()) as { token: string };
      await call('/v1/notice/acceptance', json('POST', { version: v.version }, session.token));
      return { token: session.token, certId: record.certId };
    }),
  );
  sum.counting = true;
  for (const p of people) {
    const request = json('POST', { scenario: 'SELF_USE', validDays: 90 }, p.token);
    (request.headers as Record<string, string>)['idempotency-key'] = randomUUID();
    await call(`/v1/certificates/${p.certId}/annotations`, request);
  }
  const deadline = Date.now() + 120_000;
  for (;;) {
    const out = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: stack.target.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    if (Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) === 0) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  sum.counting = false;
  const done = (await Promise.all(people.map((p) => listAnnotations(p.certId)))).flat().filter((a) => a.status === 'READY').length;
  // Item sizes as DynamoDB bills them (a write unit per started KB): the annotation, its certificate (with the quota),
  // its verification record.
  const first = (await listAnnotations(people[0]!.certId))[0]!;
  const raw = async (key: Record<string, string>) =>
    (await ddb().send(new GetCommand({ TableName: stack.target.tableName, Key: key }))).Item ?? {};
  const itemBytes = {
    annotation: itemSize(await raw({ pk: `CERT#${first.certId}`, sk: `ANN#${first.annotationId}` })),
    certificateWithQuota: itemSize(await raw({ pk: `CERT#${first.certId}`, sk: 'CERT' })),
    verification: itemSize(await raw({ pk: `VERIFY#${first.verificationCode}`, sk: 'VERIFY' })),
  };
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    annotations: done,
    writeUnits: round(sum.write / done),
    writeUnitsTable: round(sum.writeTable / done),
    writeUnitsIndexes: round(sum.writeIndexes / done),
    readUnits: round(sum.read / done),
    byCommand: Object.fromEntries([...byCommand].map(([name, n]) => [name.replace(/Command$/, ''), round(n / done)])),
    itemBytes,
  };
}

/** DynamoDB's item size rule: attribute names plus values (UTF-8 strings, ~1 byte per 2 digits of a number, 3 bytes + 1 per element for maps and lists). */
function itemSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemSize(v), 0);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.reduce((n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + itemSize(v), 0);
  }
  return 0;
}
