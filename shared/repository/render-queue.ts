import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { sqs } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';
import { renderMessageBody, type RenderMessage } from '../domain/render-message';

/**
 * The render queue and its dead-letter queue: SQS access only. Messages carry ids only (domain/render-message), so a
 * late or duplicate message can never carry stale data. Nothing consumes the DLQ: a message there waits, its
 * annotation still PENDING, until an operator redrives it (`npm run ecert -- dlq redrive`).
 */
export async function enqueueRender(message: RenderMessage): Promise<void> {
  await sqs().send(new SendMessageCommand({ QueueUrl: requireEnv(ENV.queueUrl), MessageBody: renderMessageBody(message) }));
}

export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received, being processed (or about to come back after the visibility timeout). */
  inFlight: number;
  delayed: number;
}

async function depthOf(queueUrl: string): Promise<QueueDepth> {
  const out = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const attribute = (name: keyof NonNullable<typeof out.Attributes>) => Number(out.Attributes?.[name] ?? 0);
  return {
    visible: attribute('ApproximateNumberOfMessages'),
    inFlight: attribute('ApproximateNumberOfMessagesNotVisible'),
    delayed: attribute('ApproximateNumberOfMessagesDelayed'),
  };
}

/** Every message the render queue holds, in whatever state (approximate, as SQS counts). */
export async function renderQueueBacklog(): Promise<number> {
  const depth = await depthOf(requireEnv(ENV.queueUrl));
  return depth.visible + depth.inFlight + depth.delayed;
}

export const deadLetterQueueDepth = (): Promise<QueueDepth> => depthOf(requireEnv(ENV.deadLetterQueueUrl));

export interface DeadLetter {
  messageId: string;
  body: string;
  /** When the message was first sent to the render queue (ISO). */
  sentAt?: string;
  /** Receives counted by SQS, on the render queue and by inspections of the DLQ. */
  receiveCount: number;
}

/** How long messages an inspection has received stay hidden before it hands them back. */
const PEEK_VISIBILITY_SECONDS = 30;

const toDeadLetter = (message: Message): DeadLetter => {
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
  };
};

/**
 * Reads up to `max` dead letters without consuming them: SQS has no peek, so each is received (hidden for
 * PEEK_VISIBILITY_SECONDS, so one inspection sees each message once) and made visible again at the end. A receive
 * counts against nothing here: the DLQ has no redrive policy of its own.
 */
export async function peekDeadLetters(max: number): Promise<DeadLetter[]> {
  const queueUrl = requireEnv(ENV.deadLetterQueueUrl);
  const received: Message[] = [];
  try {
    while (received.length < max) {
      const out = await sqs().send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - received.length),
          WaitTimeSeconds: 0,
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          // local-aws-sqs ignores MessageSystemAttributeNames; AttributeNames works on both.
          AttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      received.push(...messages);
    }
  } finally {
    for (let i = 0; i < received.length; i += 10) {
      await sqs()
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: received.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        )
        // A message not handed back reappears by itself after PEEK_VISIBILITY_SECONDS.
        .catch(() => undefined);
    }
  }
  return received.map(toDeadLetter);
}

async function queueArn(queueUrl: string): Promise<string> {
  const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
}

const deadLetterQueueArn = () => queueArn(requireEnv(ENV.deadLetterQueueUrl));

export interface RedriveTask {
  status: string;
  moved: number;
  toMove?: number;
  failureReason?: string;
  startedAt?: string;
}

/**
 * Starts moving every dead letter to the render queue: SQS StartMessageMoveTask, in the cloud and on the local stack
 * alike (local-aws-sqs implements the same call). The destination is named rather than left to "the source queue":
 * this DLQ serves only the render queue, and a message put on the DLQ by hand has no source SQS could determine.
 * Returns the task handle.
 */
export async function startRedrive(options: { maxPerSecond?: number } = {}): Promise<string> {
  const [source, destination] = await Promise.all([deadLetterQueueArn(), queueArn(requireEnv(ENV.queueUrl))]);
  const out = await sqs().send(
    new StartMessageMoveTaskCommand({
      SourceArn: source,
      DestinationArn: destination,
      ...(options.maxPerSecond ? { MaxNumberOfMessagesPerSecond: options.maxPerSecond } : {}),
    }),
  );
  return out.TaskHandle ?? '';
}

/** The most recent redrive of the DLQ, or undefined if there never was one. */
export async function latestRedrive(): Promise<RedriveTask | undefined> {
  const out = await sqs().send(new ListMessageMoveTasksCommand({ SourceArn: await deadLetterQueueArn(), MaxResults: 1 }));
  const task = out.Results?.[0];
  if (!task) return undefined;
  return {
    status: task.Status ?? 'UNKNOWN',
    moved: Number(task.ApproximateNumberOfMessagesMoved ?? 0),
    ...(task.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: Number(task.ApproximateNumberOfMessagesToMove) } : {}),
    ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
    ...(task.StartedTimestamp ? { startedAt: new Date(Number(task.StartedTimestamp)).toISOString() } : {}),
  };
}
