import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqs } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';
import type { RenderMessage } from '../domain/annotation';
import { renderMessageBody } from '../domain/render-message';

/** The render queue: ids only, so a late or duplicate message can never carry stale data (the consumer loads the rest). */
export async function enqueueRender(message: RenderMessage): Promise<void> {
  await sqs().send(new SendMessageCommand({ QueueUrl: requireEnv(ENV.queueUrl), MessageBody: renderMessageBody(message) }));
}
