/**
 * AWS cost per million annotations, from the measured render time (docs/benchmarks.json) and the stack's memory
 * sizes, with every step of the arithmetic written into docs/cost-model.md. Prices: us-east-1 list prices, on-demand,
 * no free tier — change them here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '../../shared/resources/functions';
import { REPO_ROOT as ROOT } from '../../shared/repo-root';

const bench = JSON.parse(readFileSync(join(ROOT, 'docs/benchmarks.json'), 'utf8')) as {
  machine: { date: string; cpu: string };
  results: { render?: { extB: { signedPdfMs: { median: number }; pdfBytes: number } } };
};

const PRICE = {
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
};

// Lambda at 1,024 MB gets about 0.58 of a vCPU (1,769 MB = one vCPU); the benchmark ran on a full core.
const VCPU_AT_1024 = 1024 / 1769;
const renderMs = bench.results.render?.extB.signedPdfMs.median ?? 20;
const pdfBytes = bench.results.render?.extB.pdfBytes ?? 60_000;
const renderLambdaMs = renderMs / VCPU_AT_1024 + 25; // + AWS calls: 2 reads, 1 PutObject, 1 transaction
const API_MS = 40; // a warm API handler: JWT check + 2–4 DynamoDB calls, billed per ms

interface Line {
  item: string;
  perAnnotation: string;
  unit: number;
  cost: number;
}
const lines: Line[] = [];
const add = (item: string, perAnnotation: string, quantity: number, price: number) =>
  lines.push({ item, perAnnotation, unit: quantity, cost: quantity * price * 1e6 });

const gb = (mb: number) => mb / 1024;
// One annotation's life: apply, 2 status polls, 1 list, 1 download link, the S3 download, 1 public verification.
const apiCalls = 6;
add('API Gateway HTTP API requests', `${apiCalls} requests`, apiCalls, PRICE.httpApiRequest);
add('Lambda requests (API handlers + render share of a 10-message batch)', `${apiCalls} + 0.1`, apiCalls + 0.1, PRICE.lambdaRequest);
add(
  'Lambda GB-s, API handlers',
  `${apiCalls} × ${API_MS} ms × ${gb(FUNCTIONS.annotationsCreate.memoryMb)} GB`,
  apiCalls * (API_MS / 1000) * gb(FUNCTIONS.annotationsCreate.memoryMb),
  PRICE.lambdaGbSecondArm,
);
add(
  'Lambda GB-s, render (measured)',
  `(${renderMs} ms ÷ ${VCPU_AT_1024.toFixed(2)} vCPU + 25 ms AWS calls) = ${renderLambdaMs.toFixed(0)} ms × ${gb(FUNCTIONS.render.memoryMb)} GB`,
  (renderLambdaMs / 1000) * gb(FUNCTIONS.render.memoryMb),
  PRICE.lambdaGbSecondArm,
);
add('SQS requests', 'SendMessage 1 + ReceiveMessage 0.1 + DeleteMessageBatch 0.1', 1.2, PRICE.sqsRequest);
add(
  'DynamoDB write request units',
  'apply transaction: 3 items × 2 = 6; READY transaction: 2 items × 2 = 4',
  10,
  PRICE.dynamoWru,
);
add(
  'DynamoDB read request units',
  'apply 2 (holder, cert ½ each; quota 1), render 2 (consistent), 5 reads by the other API calls × 1.5',
  2 + 2 + 5 * 1.5,
  PRICE.dynamoRru,
);
add('S3 PUT', '1 PutObject', 1, PRICE.s3Put);
add('S3 GET', '1 download', 1, PRICE.s3Get);
add(
  'S3 storage',
  `${(pdfBytes / 1024).toFixed(0)} KiB for 90 days (lifecycle backstop 91) = ${((pdfBytes / 2 ** 30) * 3).toExponential(2)} GB-month`,
  (pdfBytes / 2 ** 30) * 3,
  PRICE.s3GbMonth,
);
add('CloudWatch Logs', '≈ 8 structured lines × 300 bytes', (8 * 300) / 2 ** 30, PRICE.logsGb);

const total = lines.reduce((sum, line) => sum + line.cost, 0);
const md = [
  '# Cost model: AWS cost per million annotations',
  '',
  `Computed by \`npm run bench\` (test/bench/cost-model.ts) from the render time measured on ${bench.machine.date.slice(0, 10)}`,
  `(${bench.machine.cpu}): signed-PDF warm median **${renderMs} ms**, PDF **${pdfBytes} bytes**. us-east-1 on-demand list prices,`,
  'no free tier, ARM Lambda. One annotation = apply, 2 status polls, 1 list, 1 download link + the S3 download, 1 public',
  'verification.',
  '',
  '| item | per annotation | quantity | USD per million annotations |',
  '|---|---|---|---|',
  ...lines.map((l) => `| ${l.item} | ${l.perAnnotation} | ${Number(l.unit.toPrecision(4))} | $${l.cost.toFixed(2)} |`),
  `| **total** | | | **$${total.toFixed(2)}** |`,
  '',
  'Prices used (USD): Lambda $0.0000133334 per GB-s (ARM) and $0.20 per million requests; HTTP API $1.00 per million;',
  'SQS $0.40 per million requests; DynamoDB on-demand $0.625 per million WRU and $0.125 per million RRU (transactional',
  'writes cost 2 WRU per item, consistent reads 1 RRU per 4 KB, eventually consistent ½); S3 $0.005 per 1,000 PUT, $0.0004 per',
  '1,000 GET, $0.023 per GB-month; CloudWatch Logs ingestion $0.50 per GB.',
  '',
  'Fixed monthly costs not in the per-annotation figure: Secrets Manager (3 secrets × $0.40), the alarm topic KMS key ($1),',
  'CloudWatch alarms ($0.10 each), PITR and table storage (small: items are < 1 KB), CloudFront for the portal if used.',
  '',
  'What dominates: API Gateway and Lambda requests for the six API calls, then DynamoDB writes. Rendering itself is a few',
  'cents per million. Fewer status polls (the portal polls only while 证书生成中…) is the cheapest saving.',
  '',
].join('\n');
writeFileSync(join(ROOT, 'docs/cost-model.md'), md);
console.log(`cost per million annotations: $${total.toFixed(2)} (docs/cost-model.md)`);
