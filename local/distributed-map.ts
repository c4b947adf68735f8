import type { Context } from 'aws-lambda';
import { OPERATIONS } from '../shared/resources/operations';
import { FUNCTIONS, type FunctionDecl } from '../shared/resources/functions';
import type { ChangeStamp } from '../shared/domain/audit';
import { parseNormalized } from '../shared/import/normalized';
import type { SourceRow } from '../shared/import/sources';
import { getStream } from '../shared/repository/import-objects';
import type { BatchCounts, ImportBatchEvent, ImportReport } from '../shared/services/import-run';
import { invokeWithTimeout, lambdaContext } from './lambda-context';
import { moduleHandlerLoader } from './handlers';

/**
 * The Distributed Map of the import state machine, played locally (there is no Step Functions emulator for it): reads
 * the uploaded JSON Lines object back from S3 like the JSONL ItemReader, cuts it into batches like the ItemBatcher
 * (the same MaxItemsPerBatch and MaxInputBytesPerBatch), hands each batch with its BatchInput to the real import
 * Lambda handler — several at once, like MaxConcurrency — and then runs the report Lambda as the next state would.
 * What Step Functions itself does (retries, the ResultWriter, tolerated failures) is the cloud's; docs/operations.md.
 */
export interface LocalMapOptions {
  importId: string;
  key: string;
  stamp: ChangeStamp;
  concurrency?: number;
  onProgress?: (done: BatchCounts) => void;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export async function* itemBatches(items: AsyncIterable<SourceRow>, maxItems: number, maxBytes: number): AsyncGenerator<SourceRow[]> {
  let batch: SourceRow[] = [];
  let bytes = 0;
  for await (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (batch.length > 0 && (batch.length >= maxItems || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

export async function runLocalDistributedMap(options: LocalMapOptions): Promise<ImportReport> {
  const load = moduleHandlerLoader();
  const invoke = async (decl: FunctionDecl, event: unknown) => {
    const handler = (await load(decl)) as Handler;
    return invokeWithTimeout(decl, () => handler(event, lambdaContext(decl)));
  };
  const { maxItemsPerBatch, maxInputBytesPerBatch } = OPERATIONS.distributedMap;
  const done: BatchCounts = { items: 0, created: 0, updated: 0, superseded: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const limit = options.concurrency ?? 4;
  const batchInput = { importId: options.importId, stamp: options.stamp, executionArn: `local:${options.importId}` };
  let failure: unknown;
  for await (const items of itemBatches(parseNormalized(await getStream(options.key)), maxItemsPerBatch, maxInputBytesPerBatch)) {
    if (failure) break;
    const event: ImportBatchEvent = { Items: items, BatchInput: batchInput };
    const task = (invoke(FUNCTIONS.importBatch, event) as Promise<BatchCounts>)
      .then((counts) => {
        for (const name of Object.keys(done) as (keyof BatchCounts)[]) done[name] += counts[name];
        options.onProgress?.({ ...done });
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    while (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (await invoke(FUNCTIONS.importReport, {
    ...batchInput,
    ...(failure ? { mapError: { Error: (failure as Error).name ?? 'Error' } } : {}),
  })) as ImportReport;
}
