/**
 * Import throughput (issue 13 §2): in one run, on fresh emulators, (1) the emulator's own write ceiling for the write
 * an import row costs — the very UpdateItem of upsertCertificate (with the run's stamp and line condition), records
 * already validated, at 16/32/64 in flight — and (2) a 100,000-row CSV file imported through the CLI's pipeline
 * (streamed read, validation, HMAC, bounded-concurrency writes with backoff), with peak memory. Prints and reports
 * JSON for run.ts (docs/benchmarks.md). Ports: ECERT_BENCH_PORT (default 3701) and the next two.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmulators } from '../../local/emulators';
import { provisionTable } from '../../local/provision';
import { resetClients } from '../../shared/aws/clients';
import { changeStamp } from '../../shared/domain/audit';
import { checkCertificateRow } from '../../shared/domain/certificate-record';
import { DEFAULT_CONCURRENCY, importRowStream, withThrottleRetry } from '../../shared/import/importer';
import { readRows } from '../../shared/import/sources';
import { upsertCertificate } from '../../shared/repository/certificates';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../shared/target/local-target';
import { certificateRow, DEFAULT_COLUMNS, toCsv } from '../support/certificate-rows';
import { report, round } from './stats';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const CEILING_WRITES = Number(process.env.BENCH_CEILING_WRITES ?? 10_000);
const port = Number(process.env.ECERT_BENCH_PORT ?? 3701);
const dir = await mkdtemp(join(tmpdir(), 'ecert-bench-import-'));
const emulators = await startEmulators({ ports: { dynamodb: port, s3: port + 1, sqs: port + 2 }, dataDir: dir, persistDynamoDb: false });
const table = 'bench-import';
Object.assign(process.env, {
  AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  ECERT_TABLE_NAME: table,
});
const bootstrap = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
await provisionTable(bootstrap, table);
bootstrap.destroy();
const stamp = changeStamp({ action: 'certificate.import', actor: { kind: 'operator', id: 'local:bench' }, source: { via: 'bench' } });

try {
  // (1) The ceiling: the import's own UpdateItem, nothing else in the process (warm-up first: the JVM compiles). Measured
  // again after the import, on a table 100,000 items larger and a JVM that has run longer: the import is compared with
  // the better of the two, so neither the warm-up nor the table's growth flatters it.
  const measureCeiling = async (phase: string, warmUp: boolean): Promise<Record<string, number>> => {
    const ceiling: Record<string, number> = {};
    const runs = [...(warmUp ? [['warm-up', 32, 3000] as const] : []), ['16', 16, CEILING_WRITES], ['32', 32, CEILING_WRITES], ['64', 64, CEILING_WRITES]] as const;
    for (const [label, inFlight, writes] of runs) {
      const records = Array.from({ length: writes }, (_, i) => {
        const checked = checkCertificateRow(certificateRow({ certId: `CEIL-${phase}-${label}-${i}` }));
        if (!checked.ok) throw new Error('bad bench row');
        return checked.record;
      });
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < records.length) {
            const line = next++;
            await withThrottleRetry(() => upsertCertificate(records[line]!, 'bench-key', new Date(), { runId: `ceiling-${phase}-${label}`, line, stamp }));
          }
        }),
      );
      if (label !== 'warm-up') ceiling[label] = round(writes / ((performance.now() - started) / 1000), 0);
    }
    return ceiling;
  };
  const ceilingBefore = await measureCeiling('before', true);

  // (2) The import: a 100,000-row file, every column, half the rows with a contact on record.
  const file = join(dir, 'rows.csv');
  const rows = Array.from({ length: ROWS }, (_, i) =>
    certificateRow({ certId: `IMP-${i}`, ...(i % 2 ? { mobile: '13812345678', email: `h${i}@example.com` } : {}) }),
  );
  await writeFile(file, toCsv(rows, { columns: [...DEFAULT_COLUMNS, 'mobile', 'email'] }));
  rows.length = 0;
  const fileBytes = (await stat(file)).size;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 250);
  const cpuBefore = process.cpuUsage();
  const summary = await importRowStream(readRows(file, 'csv'), { idHashKey: 'bench-key', run: { runId: 'bench', stamp } });
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  const ceilingAfter = await measureCeiling('after', false);
  const best = Math.max(...Object.values(ceilingBefore), ...Object.values(ceilingAfter));
  const rowsPerSecond = round(summary.imported / summary.seconds, 0);
  const result = {
    rows: ROWS,
    fileMiB: round(fileBytes / 2 ** 20, 1),
    concurrency: DEFAULT_CONCURRENCY,
    imported: summary.imported,
    failed: summary.failed,
    seconds: round(summary.seconds, 1),
    rowsPerSecond,
    // The importing process's own CPU over the import, as a share of one core: near 1 means the client side bounds it.
    importCpuShareOfOneCore: round((cpu.user + cpu.system) / 1e6 / summary.seconds, 2),
    ceilingUpdateItemPerSecond: ceilingBefore,
    ceilingAfterImportPerSecond: ceilingAfter,
    ceilingBest: best,
    shareOfCeiling: round(rowsPerSecond / best, 2),
    rssBeforeMiB: round(rssBefore / 2 ** 20, 0),
    peakRssMiB: round(peakRss / 2 ** 20, 0),
    peakHeapMiB: round(peakHeap / 2 ** 20, 0),
  };
  console.error(JSON.stringify(result, null, 2));
  report(result);
} finally {
  resetClients();
  await emulators.stop();
  await rm(dir, { recursive: true, force: true });
}
