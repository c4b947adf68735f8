import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';
import type { AuditEvent } from '../domain/audit';
import { OPERATIONS } from '../resources/operations';

/**
 * The audit archive: JSON Lines objects in the Object Lock bucket (compliance mode, default retention from the stack
 * configuration), one object per stream batch. Nothing here can delete or replace history: the bucket's default
 * retention locks every version as it is written, and the writer holds s3:PutObject only. A batch retried after a
 * crash writes a new version of the same key (the old one stays locked); readers keep the first line per eventId.
 */
export function archiveKey(events: AuditEvent[], batchId: string): string {
  const first = events.reduce((a, b) => (a.at <= b.at ? a : b));
  const day = first.at.slice(0, 10).replace(/-/g, '/');
  return `${OPERATIONS.auditArchive.prefix}${day}/${first.at}-${batchId}.jsonl`;
}

export async function archiveAuditEvents(events: AuditEvent[], batchId: string): Promise<string | undefined> {
  if (events.length === 0) return undefined;
  const body = Buffer.from(events.map((event) => JSON.stringify(event)).join('\n') + '\n', 'utf8');
  const key = archiveKey(events, batchId);
  await s3().send(
    new PutObjectCommand({
      Bucket: requireEnv(ENV.auditBucketName),
      Key: key,
      Body: body,
      ContentType: 'application/x-ndjson',
      // S3 requires an integrity header on uploads into a bucket with Object Lock retention.
      ContentMD5: createHash('md5').update(body).digest('base64'),
    }),
  );
  return key;
}
