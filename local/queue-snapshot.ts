import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * local-aws-sqs keeps messages in memory. On a clean shutdown the runtime drains each queue into a file and on the
 * next start sends the messages back, so a restart loses nothing. (A crash can lose in-flight messages, as a lost
 * SendMessage could in the cloud: the reconciler re-enqueues stale PENDING work.) Receive counts restart at 1.
 */
interface SavedMessage {
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

type Snapshot = Record<string, SavedMessage[]>;

async function drain(client: SQSClient, queueUrl: string): Promise<SavedMessage[]> {
  const saved: SavedMessage[] = [];
  for (;;) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return saved;
    for (const message of messages) {
      saved.push({
        body: message.Body ?? '',
        ...(message.MessageAttributes ? { attributes: message.MessageAttributes } : {}),
      });
    }
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

export async function saveQueues(client: SQSClient, queues: Record<string, string>, file: string): Promise<number> {
  const snapshot: Snapshot = {};
  let count = 0;
  for (const [name, url] of Object.entries(queues)) {
    snapshot[name] = await drain(client, url);
    count += snapshot[name].length;
  }
  await writeFile(`${file}.tmp`, JSON.stringify(snapshot));
  await rename(`${file}.tmp`, file);
  return count;
}

export async function restoreQueues(client: SQSClient, queues: Record<string, string>, file: string): Promise<number> {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  } catch {
    return 0;
  }
  let count = 0;
  for (const [name, messages] of Object.entries(snapshot)) {
    const url = queues[name];
    if (!url) continue;
    for (let i = 0; i < messages.length; i += 10) {
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            MessageBody: m.body,
            ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
          })),
        }),
      );
      count += Math.min(10, messages.length - i);
    }
  }
  await rm(file, { force: true });
  return count;
}
