import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { qualificationOf } from '../../shared/domain/certificate';
import { findScenario } from '../../shared/domain/scenarios';
import { lambdaHandler, logger, metrics } from '../../shared/observability';
import { warmUpRenderer } from '../../shared/pdf/annotated-certificate';
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { signingKey } from '../../shared/signing/sealer';
import { verificationUrl } from '../../shared/config/public-url';
import { UnrenderableCharacterError } from '../../shared/pdf/fonts';
import { getAnnotation, markAnnotationFailed, markAnnotationReady } from '../../shared/repository/annotations';
import { getCertificate } from '../../shared/repository/certificates';
import { putAnnotationDocument } from '../../shared/repository/documents';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The render consumer: SQS → annotated, signed PDF → S3 → READY (+ its verification code). Idempotent: only a PENDING annotation is rendered, the
 * render is deterministic, and READY is a conditional transition, so a duplicate delivery stores nothing new. A
 * record that throws is reported in batchItemFailures and retried; after maxReceiveCount it reaches the DLQ, whose
 * handler marks it FAILED.
 */
warmUpRenderer();

const Message = z.strictObject({ certId: z.string().min(1).max(40), annotationId: z.string().min(1).max(40) });

export async function renderOne(message: z.infer<typeof Message>): Promise<'rendered' | 'skipped' | 'failed'> {
  const { certId, annotationId } = message;
  // Both reads at once: one round trip instead of two (the certificate read is wasted only on a duplicate delivery).
  const [annotation, certificate] = await Promise.all([
    getAnnotation(certId, annotationId, { consistent: true }),
    getCertificate(certId, { consistent: true }),
  ]);
  if (!annotation || annotation.status !== 'PENDING') {
    logger.info('nothing to render', { certId, annotationId, status: annotation?.status ?? 'missing' });
    metrics.addMetric('RenderSkipped', MetricUnit.Count, 1);
    return 'skipped';
  }
  const fail = async (reason: string) => {
    await markAnnotationFailed(certId, annotationId, reason);
    logger.warn('annotation failed', { certId, annotationId, reason });
    metrics.addMetric('RenderFailed', MetricUnit.Count, 1);
    return 'failed' as const;
  };
  if (!certificate) return fail('证书不存在');
  if (certificate.status === 'REVOKED') return fail('证书已撤销');
  const scenario = findScenario(annotation.scenario);
  if (!scenario) return fail('使用场景已停用');

  let bytes: Uint8Array;
  const started = performance.now();
  const key = await signingKey();
  try {
    bytes = await renderSignedCertificate(
      {
        certificate,
        qualification: qualificationOf(certificate),
        annotation,
        scenario,
        verificationUrl: verificationUrl(annotation.verificationCode),
      },
      key,
    );
  } catch (error) {
    // Retrying cannot help a character no font has: fail now, with the reason, rather than print a blank box.
    if (error instanceof UnrenderableCharacterError) return fail(`证书信息中有无法显示的字符（${error.codePoint}）`);
    throw error;
  }
  metrics.addMetric('RenderMilliseconds', MetricUnit.Milliseconds, performance.now() - started);
  const stored = await putAnnotationDocument(certId, annotationId, bytes);
  const ready = await markAnnotationReady(annotation, {
    objectKey: stored.key,
    documentSha256: stored.sha256,
    documentSize: stored.size,
    renderedAt: new Date().toISOString(),
    signerFingerprint: key.fingerprint,
  });
  logger.info(ready ? 'annotation ready' : 'annotation already completed', { certId, annotationId, bytes: stored.size });
  return ready ? 'rendered' : 'skipped';
}

async function recordHandler(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const message = Message.safeParse(body);
  if (!message.success) {
    // Not ours to retry: a message no retry can make valid. Acknowledged and logged (ids only).
    logger.error('unreadable render message', { messageId: record.messageId });
    return;
  }
  await renderOne(message.data);
}

const processor = new BatchProcessor(EventType.SQS);

export const handler = lambdaHandler((event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context }),
);
