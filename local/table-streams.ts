import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FunctionDecl } from '../shared/resources/functions';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type EmulatorEndpoints } from '../shared/target/local-target';
import type { HandlerLoader } from './handlers';
import type { PollerStats } from './sqs-poller';
import { startStreamPoller, type StreamConsumer } from './stream-poller';

/** The runtime's stream consumers: every function declared with a `stream` trigger, on one poller of the table's stream. */
export async function startTableStreams(options: {
  functions: Record<string, FunctionDecl>;
  endpoints: EmulatorEndpoints;
  tableName: string;
  dataDir: string;
  loadHandler: HandlerLoader;
  /** false (queue consumers off): changes stay on the stream until a runtime with consumers starts. */
  enabled: boolean;
  /** Instead of the triggers' declared batching windows (the shortest of them): tests pass 0. */
  batchingWindowMs?: number;
  log: (line: string) => void;
}): Promise<{ stats?: PollerStats; drain(timeoutMs?: number): Promise<void>; stop(): Promise<void> }> {
  const windowsMs: number[] = [];
  const consumers: StreamConsumer[] = Object.values(options.functions).flatMap((fn) => {
    if (fn.trigger?.type !== 'stream' || !options.enabled) return [];
    windowsMs.push(fn.trigger.maxBatchingWindowSeconds * 1000);
    return [{ fn, batchSize: fn.trigger.batchSize, filters: fn.trigger.filters, handler: () => options.loadHandler(fn) }];
  });
  if (consumers.length === 0) return { drain: async () => undefined, stop: async () => undefined };
  const tableClient = new DynamoDBClient({ endpoint: options.endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const poller = await startStreamPoller({
    endpoint: options.endpoints.dynamodb,
    tableClient,
    tableName: options.tableName,
    consumers,
    checkpointFile: join(options.dataDir, `${options.tableName}.stream-checkpoints.json`),
    idleDelayMs: 200,
    batchingWindowMs: options.batchingWindowMs ?? Math.min(...windowsMs),
    log: options.log,
  });
  return {
    stats: poller.stats,
    drain: (timeoutMs) => poller.drain(timeoutMs),
    stop: async () => {
      await poller.stop();
      tableClient.destroy();
    },
  };
}
