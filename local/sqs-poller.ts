import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionDecl } from '../shared/resources/functions';
import type { LambdaHandler } from './handlers';
import { invokeWithTimeout, lambdaContext } from './lambda-context';
import { LOCAL_REGION } from '../shared/target/local-target';

/**
 * Plays Lambda's SQS event source mapping: receives batches, invokes the consumer with an `SQSEvent`, deletes what
 * succeeded and leaves the rest for redelivery. As on AWS, a record named in `batchItemFailures` (or every record, if
 * the handler throws) becomes visible again after the visibility timeout and, after `maxReceiveCount` receives, the
 * queue's redrive policy moves it to the DLQ.
 */
export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  fn: FunctionDecl;
  batchSize: number;
  handler: () => Promise<LambdaHandler>;
  /** Parallel batches in flight, like the mapping's concurrency. */
  concurrency: number;
  /** Pause after an empty receive. Short polls keep latency low (local-aws-sqs long-polls a full wait for >1 message). */
  idleDelayMs: number;
  log: (line: string) => void;
}

export interface PollerStats {
  batches: number;
  succeeded: number;
  failed: number;
  /**
   * The most recent records (at most RECENT_SAMPLES): ms from SentTimestamp to the receive that delivered them
   * (queue wait, idle polls included), and from that receive to the end of their batch (the handler) — where the
   * time after SendMessage goes, for the e2e benchmark.
   */
  recent: Array<{ waitMs: number; handledMs: number }>;
}

export const RECENT_SAMPLES = 1000;

export interface RunningPoller {
  /** Stops receiving, waits for batches in flight, and makes messages that failed visible again at once. */
  stop(): Promise<void>;
  /**
   * Stops receiving and resolves once the batches in flight are done, as if the consumer were switched off (fault
   * tests): messages stay on the queue, their receive counts untouched, until `resume()`.
   */
  pause(): Promise<void>;
  resume(): void;
  readonly stats: PollerStats;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

export async function startPoller(options: PollerOptions): Promise<RunningPoller> {
  const { client, queueUrl, fn } = options;
  const arnOut = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = arnOut.Attributes?.QueueArn ?? queueUrl;
  const stats: PollerStats = { batches: 0, succeeded: 0, failed: 0, recent: [] };
  const failedReceipts = new Set<string>();
  let running = true;
  let paused = false;
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  const sleepers = new Set<() => void>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  async function processBatch(messages: Message[]): Promise<void> {
    const receivedAt = Date.now();
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn)) };
    let failedIds = new Set<string>();
    try {
      const handler = await options.handler();
      const result = (await invokeWithTimeout(fn, () => handler(event, lambdaContext(fn)))) as SQSBatchResponse | void;
      failedIds = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, exactly as with the real event source mapping.
      options.log(`${fn.id}: batch of ${messages.length} failed: ${(error as Error).name}: ${(error as Error).message}`);
      failedIds = new Set(event.Records.map((r) => r.messageId));
    }
    stats.batches++;
    const handledMs = Date.now() - receivedAt;
    for (const record of event.Records) {
      stats.recent.push({ waitMs: receivedAt - Number(record.attributes.SentTimestamp), handledMs });
    }
    if (stats.recent.length > RECENT_SAMPLES) stats.recent.splice(0, stats.recent.length - RECENT_SAMPLES);
    const succeeded = event.Records.filter((r) => !failedIds.has(r.messageId));
    stats.succeeded += succeeded.length;
    stats.failed += event.Records.length - succeeded.length;
    for (const record of event.Records) if (failedIds.has(record.messageId)) failedReceipts.add(record.receiptHandle);
    if (succeeded.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: succeeded.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }

  async function loop(): Promise<void> {
    while (running) {
      if (paused) {
        await sleep(options.idleDelayMs);
        continue;
      }
      inFlight++;
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 0,
            // local-aws-sqs ignores MessageSystemAttributeNames; AttributeNames works on both.
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) {
          await sleep(options.idleDelayMs);
          continue;
        }
        await processBatch(messages);
      } catch (error) {
        if (!running) return;
        options.log(`${fn.id}: poll error: ${(error as Error).name}: ${(error as Error).message}`);
        await sleep(1000);
      } finally {
        inFlight--;
        if (inFlight === 0) for (const wake of [...idleWaiters]) wake();
      }
    }
  }

  const loops = Array.from({ length: options.concurrency }, () => loop());
  return {
    stats,
    async pause() {
      paused = true;
      if (inFlight === 0) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          idleWaiters.delete(wake);
          resolve();
        };
        idleWaiters.add(wake);
      });
    },
    resume() {
      paused = false;
      for (const wake of [...sleepers]) wake();
    },
    async stop() {
      running = false;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
      await Promise.allSettled(
        [...failedReceipts].map((ReceiptHandle) =>
          client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle, VisibilityTimeout: 0 })),
        ),
      );
    },
  };
}
