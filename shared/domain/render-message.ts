import { z } from 'zod';
import { ANNOTATION_ID_PATTERN } from './annotation';
import { CERT_ID_PATTERN } from './certificate';

/**
 * The render queue's message: ids only, so a late or duplicate message can never carry stale data (the consumer loads
 * the rest). The ONE schema: the render consumer's BatchProcessor parses every record with it, the reconciler and the
 * apply use case write with `renderMessageBody`, and `dlq list` reads dead letters with it. Strict: an extra field is
 * a message some other code wrote, not ours.
 */
export const RenderMessage = z.strictObject({
  certId: z.string().regex(CERT_ID_PATTERN),
  annotationId: z.string().regex(ANNOTATION_ID_PATTERN),
});

export type RenderMessage = z.infer<typeof RenderMessage>;

export const renderMessageBody = (message: RenderMessage): string =>
  JSON.stringify({ certId: message.certId, annotationId: message.annotationId });

/** A queue message body back to ids; undefined for anything else (garbage is never trusted as a key). */
export function parseRenderMessage(body: string): RenderMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = RenderMessage.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
