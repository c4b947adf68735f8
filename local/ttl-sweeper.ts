import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../shared/resources/table';

/**
 * DynamoDB Local records a TTL setting but never deletes. This sweeper does what the service would: delete items
 * whose TTL attribute (epoch seconds) has passed. Reads never rely on it (R6): it is housekeeping only.
 */
export async function sweepExpired(client: DynamoDBDocumentClient, tableName: string, nowSeconds: number): Promise<number> {
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':now': nowSeconds },
        ProjectionExpression: '#pk, #sk',
        ExclusiveStartKey: startKey,
      }),
    );
    startKey = page.LastEvaluatedKey;
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (requests.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
        deleted += requests.length - unprocessed.length;
        requests = unprocessed as typeof requests;
      }
    }
  } while (startKey);
  return deleted;
}

/**
 * Sweeps on a timer without ever overlapping, and keeps the sweeper's share of DynamoDB Local's time bounded: the
 * next sweep starts `intervalMs` after the previous one ended, or `idleFactor` × its duration if that is longer. A
 * full-table scan grows with the table; sweeping every minute regardless made a 100,000-row import compete with
 * overlapping scans of everything it had written so far, and slow down ever faster.
 */
export function startSweeper(options: {
  sweep: () => Promise<number>;
  intervalMs: number;
  idleFactor?: number;
  onError: (error: Error) => void;
}): { stop(): Promise<void> } {
  const idleFactor = options.idleFactor ?? 4;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(run, delayMs);
    timer.unref();
  };
  function run(): void {
    const started = performance.now();
    running = options
      .sweep()
      .then(
        () => undefined,
        (error: unknown) => options.onError(error as Error),
      )
      .finally(() => {
        running = undefined;
        schedule(Math.max(options.intervalMs, idleFactor * (performance.now() - started)));
      });
  }
  schedule(options.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
