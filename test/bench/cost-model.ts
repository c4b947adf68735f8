/**
 * `npm run cost-model`: AWS cost per million annotations from the MEASURED per-annotation counts
 * (docs/per-annotation.json: API calls by route, Lambda invocations, DynamoDB units, SQS/S3 calls, log bytes) and the
 * render benchmark (docs/benchmarks.json), with the stack's memory sizes; every step of the arithmetic is written into
 * docs/cost-model.md, together with the floor these prices allow. Prices: us-east-1 list prices, on-demand, no free
 * tier — change them here. One annotation = the holder's flow (log in, list, certificate, apply, status reads, list,
 * download link, the download) + one verification of it, as the portal makes them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ACCESS_LOG_FIELDS } from '../../infra/constructs/http-api';
import { readMeasuredInputs, modeledDurationMs, renderAwsMsPerMessage, MB_PER_VCPU } from '../../infra/sizing';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { QUEUES } from '../../shared/resources/queues';
import { BUCKET } from '../../shared/resources/bucket';
import { REPO_ROOT } from '../../shared/repo-root';

export const PRICE = {
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  httpApiRequest: 1.0 / 1e6,
  sqsRequest: 0.4 / 1e6,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  s3GbMonth: 0.023,
  logsGb: 0.5,
  xrayTrace: 5.0 / 1e6,
  cloudFrontHttpsRequest: 0.01 / 10_000,
  wafRequest: 0.6 / 1e6,
  dataTransferOutGb: 0.09,
} as const;

/** Lambda samples active tracing at 1 request/s plus 5% of the rest, not configurable for functions. */
export const XRAY_LAMBDA_SAMPLING = 0.05;
/**
 * Lambda's own log lines per invocation in the text format (START, END, REPORT with X-Ray's trace id): about 350
 * bytes. The stack sets the system log level to WARN, which drops them (JSON log format).
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 350;

/** One line of the stage's access log (ACCESS_LOG_FIELDS) with typical values: what CloudWatch Logs ingests per request. */
export function accessLogLineBytes(): number {
  const typical: Record<keyof typeof ACCESS_LOG_FIELDS, string> = {
    requestId: 'Yl0cKjMfoAMEcXw=',
    requestTime: '01/Dec/2026:09:00:00 +0000',
    sourceIp: '203.0.113.200',
    method: 'GET',
    routeKey: 'GET /v1/certificates/{certId}/annotations/{annotationId}',
    protocol: 'HTTP/1.1',
    status: '200',
    latency: '45',
    integrationLatency: '43',
    responseLength: '612',
    error: '-',
  };
  return Buffer.byteLength(`${JSON.stringify(typical)}\n`);
}

interface Line {
  item: string;
  perAnnotation: string;
  quantity: number;
  cost: number;
}

const gb = (mb: number) => mb / 1024;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export function costModel() {
  const { perAnnotation: m, benchmarks } = readMeasuredInputs();
  const flows = [m.perFlow.holder, m.perFlow.verifier];
  const sum = (pick: (f: (typeof flows)[number]) => number) => flows.reduce((s, f) => s + pick(f), 0);
  const sumRecord = (pick: (f: (typeof flows)[number]) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const f of flows) for (const [k, v] of Object.entries(pick(f))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const byId = new Map(Object.values(FUNCTIONS as Record<string, FunctionDecl>).map((d) => [d.id, d]));
  const lines: Line[] = [];
  const add = (item: string, perAnnotation: string, quantity: number, price: number) =>
    lines.push({ item, perAnnotation, quantity, cost: quantity * price * 1e6 });

  const apiCalls = sum((f) => Object.values(f.apiCalls).reduce((s, v) => s + v.mean, 0));
  const routes = sumRecord((f) => Object.fromEntries(Object.entries(f.apiCalls).map(([k, v]) => [k, v.mean])));
  add('API Gateway HTTP API requests', Object.entries(routes).map(([r, n]) => `${round(n)} ${r.replace(/\{(\w+)\}/g, ':$1')}`).join(' + '), apiCalls, PRICE.httpApiRequest);

  const invocations = sumRecord((f) => f.invocations);
  const renderId = FUNCTIONS.render.id;
  const renderDecl = byId.get(renderId)!;
  const renderMessages = (invocations[renderId] ?? 0) * (m.functions[renderId]?.recordsPerInvocation ?? 1);
  const apiInvocations = Object.entries(invocations).filter(([id]) => id !== renderId).reduce((s, [, n]) => s + n, 0);
  add(
    'Lambda requests',
    `${round(apiInvocations)} API handlers + ${round(invocations[renderId] ?? 0)} render (measured one message per batch; batches of ${QUEUES.annotations.batchSize} at peak would make it ${round(renderMessages / QUEUES.annotations.batchSize)})`,
    apiInvocations + (invocations[renderId] ?? 0),
    PRICE.lambdaRequest,
  );
  let apiGbSeconds = 0;
  const apiParts: string[] = [];
  for (const [id, n] of Object.entries(invocations)) {
    if (id === renderId) continue;
    const memoryMb = byId.get(id)?.memoryMb ?? m.functions[id]?.memoryMb ?? 0;
    const ms = modeledDurationMs(m, id, memoryMb);
    apiGbSeconds += n * (ms / 1000) * gb(memoryMb);
    apiParts.push(`${round(n)} × ${Math.round(ms)} ms × ${gb(memoryMb)} GB ${id}`);
  }
  add('Lambda GB-s, API handlers (modeled duration: measured CPU ÷ vCPU share + AWS calls at planning latencies)', apiParts.join('; '), apiGbSeconds, PRICE.lambdaGbSecondArm);
  const vcpu = Math.min(1, renderDecl.memoryMb / MB_PER_VCPU);
  const renderCpu = benchmarks.results.render.extB.signedPdfMs.mean;
  const renderAws = renderAwsMsPerMessage(m, renderId);
  const renderMs = renderCpu / vcpu + renderAws;
  add(
    'Lambda GB-s, render',
    `(${renderCpu} ms signed-PDF CPU ÷ ${vcpu.toFixed(2)} vCPU + ${Math.round(renderAws)} ms AWS calls) = ${Math.round(renderMs)} ms × ${gb(renderDecl.memoryMb)} GB per message (unbatched: an upper bound)`,
    renderMessages * (renderMs / 1000) * gb(renderDecl.memoryMb),
    PRICE.lambdaGbSecondArm,
  );

  const awsCalls = sumRecord((f) => Object.fromEntries(Object.entries(f.awsCalls).filter(([k]) => !k.includes('|'))));
  const sqs = Object.entries(awsCalls).filter(([k]) => k.startsWith('sqs '));
  add('SQS requests', sqs.map(([k, n]) => `${k.slice(4)} ${round(n)}`).join(' + '), sqs.reduce((s, [, n]) => s + n, 0), PRICE.sqsRequest);
  const wru = sum((f) => f.dynamodb.table.write + Object.values(f.dynamodb.indexes).reduce((s, u) => s + u.write, 0));
  const rru = sum((f) => f.dynamodb.table.read + Object.values(f.dynamodb.indexes).reduce((s, u) => s + u.read, 0));
  const byFn = sumRecord((f) => Object.fromEntries(Object.entries(f.dynamodb.byFunction).map(([k, u]) => [k, u.write])));
  const byFnRead = sumRecord((f) => Object.fromEntries(Object.entries(f.dynamodb.byFunction).map(([k, u]) => [k, u.read])));
  const parts = (record: Record<string, number>) => Object.entries(record).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${round(n, 1)}`).join(', ');
  add('DynamoDB write request units (measured, table + GSIs)', parts(byFn), wru, PRICE.dynamoWru);
  add('DynamoDB read request units (measured)', parts(byFnRead), rru, PRICE.dynamoRru);
  const puts = awsCalls['s3 PutObject'] ?? 0;
  add('S3 PUT', `${round(puts)} PutObject (presigning the download makes no request: measured)`, puts, PRICE.s3Put);
  const gets = sum((f) => f.s3BrowserGets.mean);
  add('S3 GET', `${round(gets)} presigned download`, gets, PRICE.s3Get);
  const pdfBytes = benchmarks.results.render.extB.pdfBytes;
  const storageMonths = (BUCKET.annotationObjectExpirationDays * 12) / 365;
  add(
    'S3 storage',
    `${(pdfBytes / 1024).toFixed(0)} KiB for ${BUCKET.annotationObjectExpirationDays} days (the lifecycle backstop) = ${((pdfBytes / 2 ** 30) * storageMonths).toExponential(2)} GB-month`,
    (pdfBytes / 2 ** 30) * storageMonths,
    PRICE.s3GbMonth,
  );
  const appLogBytes = sum((f) => f.logs.bytes);
  const accessLogBytes = accessLogLineBytes();
  add(
    'CloudWatch Logs ingestion',
    `${Math.round(appLogBytes)} bytes of structured logs and metrics (measured, INFO) + ${round(apiCalls)} access-log lines × ${accessLogBytes} bytes; Lambda's START/END/REPORT lines are dropped (system log level WARN)`,
    (appLogBytes + apiCalls * accessLogBytes) / 2 ** 30,
    PRICE.logsGb,
  );
  const traced = apiInvocations + (invocations[renderId] ?? 0);
  add('X-Ray traces', `${round(traced)} invocations × ${XRAY_LAMBDA_SAMPLING * 100}% (Lambda's fixed sampling)`, traced * XRAY_LAMBDA_SAMPLING, PRICE.xrayTrace);
  const total = lines.reduce((s, l) => s + l.cost, 0);

  // Before the cut: Lambda's own lines per invocation, as the text log format ships them.
  const platformLogCost = ((traced * PLATFORM_LOG_BYTES_PER_INVOCATION) / 2 ** 30) * PRICE.logsGb * 1e6;

  // The edge in prod (not in the previous model, so outside the comparison with the target).
  const staticRequests = sum((f) => f.staticRequests.mean);
  const edge: Line[] = [];
  const addEdge = (item: string, perAnnotation: string, quantity: number, price: number) =>
    edge.push({ item, perAnnotation, quantity, cost: quantity * price * 1e6 });
  addEdge('CloudFront HTTPS requests', `${round(apiCalls)} API + ${round(staticRequests)} portal files (cold browser cache)`, apiCalls + staticRequests, PRICE.cloudFrontHttpsRequest);
  addEdge('WAF requests inspected', 'every request to the distribution', apiCalls + staticRequests, PRICE.wafRequest);
  addEdge('Data transfer out (the PDF, from S3)', `${(pdfBytes / 1024).toFixed(0)} KiB`, pdfBytes / 2 ** 30, PRICE.dataTransferOutGb);
  const edgeTotal = edge.reduce((s, l) => s + l.cost, 0);

  // The floor: the least each unavoidable item can cost at these prices.
  const floor: Line[] = [];
  const addFloor = (item: string, why: string, quantity: number, price: number) => floor.push({ item, perAnnotation: why, quantity, cost: quantity * price * 1e6 });
  addFloor('API requests', 'apply, one status read, the download link, one verification: 4 (no request is avoidable: the PDF is asynchronous, the link is short-lived, the verifier is someone else)', 4, PRICE.httpApiRequest);
  addFloor('Lambda requests', '4 + one render batch of 10', 4.1, PRICE.lambdaRequest);
  const batch = QUEUES.annotations.batchSize;
  const batchedRenderMs = (batch * (renderCpu / vcpu) + renderAws) / batch;
  addFloor(
    'Lambda GB-s',
    `the render in full batches of ${batch} (AWS calls overlapping: ${Math.round(batchedRenderMs)} ms per PDF at 1 GB) plus ~50 ms per API call at 0.5 GB`,
    (batchedRenderMs / 1000) * gb(renderDecl.memoryMb) + 4 * 0.05 * 0.5,
    PRICE.lambdaGbSecondArm,
  );
  addFloor('DynamoDB writes', 'apply: annotation + quota in one transaction (2 items × 2); READY: one conditional update + the verification record; the PENDING index entry added and removed', 4 + 2 + 2, PRICE.dynamoWru);
  addFloor('DynamoDB reads', 'certificate at apply, annotation + certificate at render (consistent), one status, the link, the verification', 6, PRICE.dynamoRru);
  addFloor('SQS', 'one SendMessage, receive and delete shared by a batch of 10', 1.2, PRICE.sqsRequest);
  addFloor('S3 PUT + GET', 'one object written, one download', 1, PRICE.s3Put + PRICE.s3Get);
  addFloor('S3 storage', `the same PDF for ${BUCKET.annotationObjectExpirationDays} days`, (pdfBytes / 2 ** 30) * storageMonths, PRICE.s3GbMonth);
  addFloor('CloudWatch Logs', 'the access log line of each request and one line per step', (4 * accessLogBytes + 5 * 300) / 2 ** 30, PRICE.logsGb);
  addFloor('X-Ray', `${XRAY_LAMBDA_SAMPLING * 100}% of 4.1 invocations`, 4.1 * XRAY_LAMBDA_SAMPLING, PRICE.xrayTrace);
  const floorTotal = floor.reduce((s, l) => s + l.cost, 0);

  return { m, benchmarks, lines, total, edge, edgeTotal, floor, floorTotal, platformLogCost, apiCalls, wru, rru };
}

const money = (n: number) => `$${n.toFixed(2)}`;
const table = (rows: Line[]) => [
  '| item | per annotation | quantity | USD per million annotations |',
  '|---|---|---|---|',
  ...rows.map((l) => `| ${l.item} | ${l.perAnnotation.replace(/\|/g, '\\|')} | ${Number(l.quantity.toPrecision(4))} | ${money(l.cost)} |`),
];

export function costMarkdown(model: ReturnType<typeof costModel>): string {
  const { m, benchmarks, lines, total, edge, edgeTotal, floor, floorTotal, platformLogCost } = model;
  const target = 18;
  return [
    '# Cost model: AWS cost per million annotations',
    '',
    `Computed by \`npm run cost-model\` (test/bench/cost-model.ts) from the counts measured by \`npm run measure:annotation\` on ${m.measuredAt.slice(0, 10)} (${m.machine.cpu}; docs/per-annotation.json, commit ${m.source.commit}) and the render benchmark of ${(benchmarks.results.render.measuredAt ?? benchmarks.machine.date).slice(0, 10)} (signed PDF ${benchmarks.results.render.extB.signedPdfMs.mean} ms CPU, ${benchmarks.results.render.extB.pdfBytes} bytes). One annotation = what the portal really does for it: the holder's flow (log in, list, the certificate, apply, status reads until READY, the list again, the download link, the download) and one verification from the QR code. us-east-1 on-demand list prices, no free tier, arm64 Lambda.`,
    '',
    '## The serverless pipeline (the previous model\'s items, plus X-Ray now that tracing is on)',
    '',
    ...table(lines),
    `| **total** | | | **${money(total)}** |`,
    '',
    `Target: at most ${money(target)}. ${total <= target ? 'Met.' : `Missed by ${money(total - target)}; the floor below explains how far cuts can go.`}`,
    '',
    '## The edge in prod (outside the previous model\'s scope, so outside the target comparison)',
    '',
    ...table(edge),
    `| **edge total** | | | **${money(edgeTotal)}** |`,
    '',
    'The web ACL bills every request the distribution receives, the portal\'s files included; after the first visit the hashed files come from the browser cache (immutable), so the cold-cache count above is an upper bound.',
    '',
    '## The floor these prices allow',
    '',
    ...table(floor),
    `| **floor** | | | **${money(floorTotal)}** |`,
    '',
    `Why: S3 alone fixes ${money(floor.filter((l) => l.item.startsWith('S3')).reduce((a, l) => a + l.cost, 0))} of it — one PUT ($5.00 per million) and ${BUCKET.annotationObjectExpirationDays} days of a ~${Math.round(benchmarks.results.render.extB.pdfBytes / 1024)} KiB object — a request-priced API cannot go below the four calls a holder and a verifier must make, and the annotation's two state changes cost write units however they are packed. At these prices the floor is **${money(floorTotal)}** (${money(floorTotal - floor.find((l) => l.item === 'X-Ray')!.cost)} without tracing), so a target of ${money(target)} is below what this design can reach: only not storing the PDF at all (rendering it again, byte for byte, at each download — which needs a deterministic signature) would take S3's PUT and storage out and bring it near ${money(floorTotal - floor.filter((l) => l.item.startsWith('S3')).reduce((a, l) => a + l.cost, 0) + 1)}.`,
    '',
    '## Cuts',
    '',
    `Done here (infra): Lambda's own START/END/REPORT lines no longer reach CloudWatch Logs (JSON log format, system log level WARN: −${money(platformLogCost)} per million at ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes per invocation); the download link is presigned locally (measured: no S3 request); secrets are read once per container (Secrets Manager is a per-cold-start cost, fixed monthly fee aside); arm64 throughout. API handlers moved from 256 to 512 MB and scrypt's to 1,024 MB for concurrency and latency (docs/capacity.md): CPU-bound work costs the same GB-seconds at any memory, so only the AWS-wait part costs more (included above).`,
    '',
    'For the write path (pipeline), from the measured counts — in order of saving:',
    '',
    '- **Status reads and the second list**: each API call costs $1.20 per million (request + Lambda) before its DynamoDB reads. The holder flow makes the list twice (on load and after applying, for the quota) and polls; returning the quota in the apply response and the status with a longer first delay would save about two calls ($2.40+).',
    '- **Reads per request**: every authenticated call reads the holder profile (session check) and the certificate before its own item (see DynamoDB reads above by function); carrying what the checks need in the token, or reading holder + certificate in one BatchGetItem, cuts most of them.',
    '- **Write units**: the apply transaction writes annotation, quota and idempotency record (3 items × 2 WRU) and READY is a second transaction; folding the idempotency key into the annotation item (one conditional put keyed by it) and making READY a single conditional update plus a plain put of the verification record saves about 4 WRU ($2.50), and the PENDING index entry costs its own writes (keep it sparse and KEYS_ONLY, as now).',
    '- **The QR redirect**: a browser opening the QR code makes one API call only to be redirected to the portal; a CloudFront Function answering that redirect at the edge would save an API request and an invocation per verification ($1.20).',
    '',
    'For the edge (infra, not done): the web ACL bills the portal\'s own files too — serving `/assets/*` from a second distribution (or the same files from the S3 website of a cookie-less domain) without the web ACL would take about half the WAF line off; the hashed files are immutable, so only a first visit fetches them.',
    '',
    'Fixed monthly costs not in the per-annotation figure: Secrets Manager (3 secrets × $0.40), the alarm topic KMS key ($1), CloudWatch alarms ($0.10 each, one metric-math alarm counts per metric), the web ACL ($5 + $1 per rule), table PITR and storage (items < 1 KB), warm throughput (billed once per increase), X-Ray\'s reservoir (1 trace/s per function when busy).',
    '',
  ].join('\n');
}

/** Writes docs/cost-model.md (also called by `npm run bench` after the render benchmark). */
export function writeCostModel(): void {
  const model = costModel();
  writeFileSync(join(REPO_ROOT, 'docs/cost-model.md'), costMarkdown(model));
  console.log(`cost per million annotations: ${money(model.total)} (edge in prod ${money(model.edgeTotal)}, floor ${money(model.floorTotal)}) — docs/cost-model.md`);
}

if (import.meta.url === `file://${process.argv[1]}`) writeCostModel();
