import { ANNOTATION_ID_PATTERN, type RenderMessage } from './annotation';
import { CERT_ID_PATTERN } from './certificate';

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
  if (data === null || typeof data !== 'object') return undefined;
  const { certId, annotationId } = data as Record<string, unknown>;
  if (typeof certId !== 'string' || !CERT_ID_PATTERN.test(certId)) return undefined;
  if (typeof annotationId !== 'string' || !ANNOTATION_ID_PATTERN.test(annotationId)) return undefined;
  return { certId, annotationId };
}
