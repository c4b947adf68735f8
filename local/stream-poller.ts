import { readFile, writeFile } from 'node:fs/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { backoff } from '../shared/aws/backoff';
import type { FunctionDecl } from '../shared/resources/functions';
import { matchesStreamFilters, type StreamFilter } from '../shared/resources/stream-filters';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../shared/target/local-target';
import type { LambdaHandler } from './handlers';
import type { PollerStats } from './sqs-poller';
import { invokeWithTimeout, lambdaContext } from './lambda-context';
import type { RunningPoller } from './sqs-poller';

/**
 * Plays Lambda's DynamoDB Streams event source mappings on DynamoDB Local's stream: one reader per shard hands each
 * batch of changes to every stream consumer whose filters match (like FilterCriteria), in the consumer's batch size,
 * in order. A consumer that throws gets the same batch again after a backoff (the shard waits, as on AWS); after
 * `maxAttempts` the batch is logged and skipped (the cloud's on-failure destination). Positions are checkpointed in
 * the data folder, so a restart neither loses nor repeats changes.
 */
export interface StreamConsumer {
  fn: FunctionDecl;
  batchSize: number;
  filters: readonly StreamFilter[];
  handler: () => Promise<LambdaHandler>;
}

export interface StreamPollerOptions {
  endpoint: string;
  tableClient: DynamoDBClient;
  tableName: string;
  consumers: StreamConsumer[];
  checkpointFile: string;
  idleDelayMs: number;
  /**
   * The consumers' batching window (Lambda's MaximumBatchingWindowInSeconds): every pass then waits this long before
   * the next, so what arrives meanwhile is delivered in one batch. 0: the next pass follows at once while there are
   * records, `idleDelayMs` after an empty one.
   */
  batchingWindowMs?: number;
  maxAttempts?: number;
  log: (line: string) => void;
}

export interface RunningStreamPoller extends RunningPoller {
  /** Resolves once every change written so far has been handed to the consumers (tests, benchmarks). */
  drain(timeoutMs?: number): Promise<void>;
}

type Checkpoints = Record<string, string>;

const STALE_ITERATOR = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException']);

type Image = Record<string, AttributeValue>;

/**
 * DynamoDB Local writes an empty map into stream records as `{}`, without its type (DynamoDB sends `{"M":{}}`), and
 * `unmarshall` throws "No value defined" on it: a consumer would fail every batch holding one (an audit event's
 * empty `source`, a certificate whose quota slots are all freed). No other value can be empty, so `{}` is a map.
 */
function repairImage(image: Image | undefined): Image | undefined {
  return image && Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repairValue(value)]));
}

function repairValue(value: AttributeValue): AttributeValue {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: repairImage(value.M)! };
  if (value.L) return { L: value.L.map(repairValue) };
  return value;
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<RunningStreamPoller> {
  const client = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const table = await options.tableClient.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const checkpoints: Checkpoints = await readFile(options.checkpointFile, 'utf8')
    .then((text) => JSON.parse(text) as Checkpoints)
    .catch(() => ({}));
  const stats: PollerStats = { batches: 0, succeeded: 0, failed: 0, recent: [] };
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  let stopped = false;
  // Iterations are numbered; drain() waits for an iteration that began after it was called and found nothing new.
  let pass = 0;
  let lastEmptyPass = 0;
  let lastDescribe = 0;

  const save = () => writeFile(options.checkpointFile, JSON.stringify(checkpoints)).catch(() => undefined);

  async function refreshShards(): Promise<void> {
    lastDescribe = Date.now();
    const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of out.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (iterators.has(id) || finished.has(id)) continue;
      const after = checkpoints[id];
      const iterator = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: id,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      iterators.set(id, iterator.ShardIterator);
    }
  }

  function toEvent(records: StreamRecord[]): DynamoDBStreamEvent {
    return {
      Records: records.map((record) => ({
        eventID: record.eventID,
        eventName: record.eventName,
        eventVersion: record.eventVersion ?? '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: LOCAL_REGION,
        eventSourceARN: streamArn,
        dynamodb: {
          ...record.dynamodb,
          ...(record.dynamodb?.NewImage ? { NewImage: repairImage(record.dynamodb.NewImage) } : {}),
          ...(record.dynamodb?.OldImage ? { OldImage: repairImage(record.dynamodb.OldImage) } : {}),
          ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
            ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
            : Date.now() / 1000,
        },
      })) as DynamoDBStreamEvent['Records'],
    };
  }

  async function deliver(consumer: StreamConsumer, records: StreamRecord[]): Promise<void> {
    const matching = records.filter((record) => matchesStreamFilters(consumer.filters, record as never));
    for (let start = 0; start < matching.length; start += consumer.batchSize) {
      const batch = matching.slice(start, start + consumer.batchSize);
      const maxAttempts = options.maxAttempts ?? 5;
      for (let attempt = 1; ; attempt++) {
        stats.batches++;
        try {
          const handler = await consumer.handler();
          await invokeWithTimeout(consumer.fn, () => handler(toEvent(batch), lambdaContext(consumer.fn)));
          stats.succeeded += batch.length;
          break;
        } catch (error) {
          if (attempt >= maxAttempts || stopped) {
            stats.failed += batch.length;
            options.log(`${consumer.fn.id}: stream batch of ${batch.length} failed ${attempt} times, skipped: ${(error as Error).message}`);
            break;
          }
          await backoff(attempt, 200, 5000);
        }
      }
    }
  }

  async function pollShard(id: string): Promise<number> {
    const iterator = iterators.get(id);
    if (!iterator) {
      iterators.delete(id);
      finished.add(id);
      return 0;
    }
    let out;
    try {
      out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (error) {
      // DynamoDB Local answers TrimmedDataAccessException for an iterator taken while its shard was still empty (and
      // an old iterator expires): the iterator is useless, the position is not. Take a new one from the checkpoint
      // on the next pass — retrying the same iterator would fail the same way forever.
      if (STALE_ITERATOR.has((error as Error).name)) {
        iterators.delete(id);
        lastDescribe = 0;
      }
      throw error;
    }
    const records = out.Records ?? [];
    // Consumers see the shard in order: one after another per batch, each batch only once all consumers had it.
    for (const consumer of options.consumers) await deliver(consumer, records);
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) {
      checkpoints[id] = last;
      await save();
    }
    iterators.set(id, out.NextShardIterator);
    return records.length;
  }

  let paused = false;
  let inPass = false;
  // The wait between passes, cut short by drain() and stop().
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });
  const batchingWindow = options.batchingWindowMs ?? 0;
  const loop = (async () => {
    while (!stopped) {
      if (paused) {
        await new Promise((resolve) => setTimeout(resolve, options.idleDelayMs));
        continue;
      }
      const mine = ++pass;
      let got = 0;
      let complete = false;
      inPass = true;
      try {
        if (Date.now() - lastDescribe > 10_000 || iterators.size === 0) await refreshShards();
        for (const id of [...iterators.keys()]) got += await pollShard(id);
        complete = true;
      } catch (error) {
        if (!stopped) options.log(`stream poller: ${(error as Error).name}: ${(error as Error).message}`);
      } finally {
        inPass = false;
      }
      // Only a pass that read every shard and found nothing proves the consumers have seen everything.
      if (got === 0 && complete) lastEmptyPass = mine;
      const wait = batchingWindow > 0 ? batchingWindow : got === 0 ? options.idleDelayMs : 0;
      if (wait > 0 && !stopped) await nap(wait);
    }
  })();

  return {
    stats,
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const target = pass + 1;
      while (lastEmptyPass < target) {
        if (Date.now() > deadline) throw new Error('the stream poller did not catch up in time');
        // Draining does not wait out a batching window: the caller wants everything delivered now.
        wake?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    // Between passes: a pass under way delivers its batches to the end first.
    async pause() {
      paused = true;
      while (inPass) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    resume() {
      paused = false;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      client.destroy();
    },
  };
}
