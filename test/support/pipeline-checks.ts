import { expect } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { s3, sqs } from '../../shared/aws/clients';
import { liveSlots, type Annotation } from '../../shared/domain/annotation';
import { getQuota, listAnnotations } from '../../shared/repository/annotations';
import { objectKeys } from '../../shared/resources/bucket';

/** What the annotation pipeline's fault tests check, on the stack the process is pointed at. */

/** Messages a queue holds, visible or in flight. */
export async function queueDepth(queueUrl: string): Promise<number> {
  const out = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Polls `probe` until it returns true; fails after `timeoutMs` naming `what`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function annotationsOf(certIds: string[]): Promise<Annotation[]> {
  return (await Promise.all(certIds.map((certId) => listAnnotations(certId)))).flat();
}

export const statusesOf = async (certIds: string[]): Promise<Record<string, number>> => {
  const counts: Record<string, number> = {};
  for (const a of await annotationsOf(certIds)) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
};

/** `annotations/<certId>/<annotationId>.`, which each of the annotation's `<annotationId>.<sha256>.pdf` starts with. */
const objectPrefix = (certId: string, annotationId: string) => objectKeys.annotation(certId, annotationId).replace(/pdf$/, '');

/**
 * The end state issue 10 asks for: every annotation READY (none FAILED, none PENDING), exactly one object per
 * annotation under its own key and nothing else, and each certificate's quota holding exactly its annotations.
 */
export async function expectAllReadyOnceWithExactQuotas(bucket: string, certIds: string[], expectedPerCert?: number): Promise<void> {
  for (const certId of certIds) {
    const annotations = await listAnnotations(certId);
    if (expectedPerCert !== undefined) expect(annotations, certId).toHaveLength(expectedPerCert);
    expect(annotations.map((a) => a.status), certId).toEqual(annotations.map(() => 'READY'));
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `annotations/${encodeURIComponent(certId)}/` }));
    const stored = (listed.Contents ?? []).map((o) => o.Key!);
    // Objects are named by annotation and content hash (annotations/<certId>/<annotationId>.<sha256>.pdf): every
    // annotation's recorded object exists, and every object belongs to an annotation (a render retried after its
    // upload leaves its own hash-named object beside the recorded one, which the lifecycle rule removes).
    for (const a of annotations) {
      expect(a.objectKey!.startsWith(objectPrefix(certId, a.annotationId)), a.objectKey).toBe(true);
      expect(stored, certId).toContain(a.objectKey);
    }
    for (const key of stored) expect(annotations.some((a) => key.startsWith(objectPrefix(certId, a.annotationId))), key).toBe(true);
    const quota = await getQuota(certId);
    expect(Object.keys(liveSlots(quota.slots, new Date())).sort(), certId).toEqual(annotations.map((a) => a.annotationId).sort());
  }
}
