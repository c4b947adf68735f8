import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Annotation } from '../domain/annotation';
import { qualificationOf, type Certificate } from '../domain/certificate';
import type { RenderRejectedError } from '../domain/render-failure';
import { classifyRenderFailure, REJECTIONS } from '../domain/render-failure';
import type { RenderMessage } from '../domain/render-message';
import { findScenario } from '../domain/scenarios';
import { verificationUrl } from '../config/public-url';
import { logger, metrics } from '../observability';
import { UnrenderableCharacterError } from '../pdf/fonts';
import { renderSignedCertificate } from '../pdf/signed-certificate';
import {
  markAnnotationFailed,
  markAnnotationReady,
  putVerificationRecord,
  readRenderState,
  recordRenderFailure,
} from '../repository/annotations';
import { putAnnotationDocument, sha256Hex } from '../repository/documents';
import type { StatusEntry } from '../credentials/credential';
import { statusListUrl } from '../signing/pki-publisher';
import { publicBaseUrl, signingKey, type Sealer } from '../signing/sealer';

/**
 * Rendering one annotation (R5): PENDING → the signed PDF in S3 and its verification record (at once) → READY.
 * Idempotent: only
 * a PENDING annotation is rendered, the render is a pure function of the annotation (same bytes every time, same
 * object key), and READY is a conditional transition, so a duplicate delivery stores nothing new.
 *
 * Failures are classified (domain/render-failure): a deterministic one makes the annotation FAILED and frees its
 * quota slot at once; any other is recorded on the annotation (code, time, attempt) and rethrown, so the queue retries
 * the message and, once its receives are used up, parks it in the DLQ while the annotation stays PENDING.
 *
 * Metrics (namespace ecert): AnnotationsReady, AnnotationsFailed, RenderSkipped, RenderTransientFailures (Count),
 * RenderMilliseconds, ApplyToReadyMilliseconds (Milliseconds).
 */
export type RenderOutcome = 'rendered' | 'skipped' | 'failed';

/** What the use case reaches outside itself; the defaults are the real repositories, tests pass their own. */
export interface RenderPorts {
  load(message: RenderMessage): Promise<{ annotation?: Annotation; certificate?: Certificate }>;
  render(input: { annotation: Annotation; certificate: Certificate }): Promise<{ bytes: Uint8Array; signerFingerprint?: string }>;
  store(certId: string, annotationId: string, bytes: Uint8Array): Promise<{ key: string; sha256: string; size: number }>;
  recordVerification: typeof putVerificationRecord;
  markReady: typeof markAnnotationReady;
  markFailed: typeof markAnnotationFailed;
  recordFailure: typeof recordRenderFailure;
  now(): Date;
}

/** The signed PDF of one annotation, sealed by `sealer`. */
async function renderSealed(
  { annotation, certificate }: { annotation: Annotation; certificate: Certificate },
  sealer: Sealer,
): Promise<{ bytes: Uint8Array; signerFingerprint: string }> {
  const bytes = await renderSignedCertificate(
    {
      certificate,
      qualification: qualificationOf(certificate),
      annotation,
      scenario: findScenario(annotation.scenario)!,
      verificationUrl: verificationUrl(annotation.verificationCode),
    },
    sealer,
  );
  return { bytes, signerFingerprint: sealer.fingerprint };
}

export const defaultRenderPorts: RenderPorts = {
  // Both items in one request (the certificate read is wasted only on a duplicate delivery).
  load: ({ certId, annotationId }) => readRenderState(certId, annotationId),
  render: async (input) => renderSealed(input, await signingKey()),
  store: putAnnotationDocument,
  recordVerification: putVerificationRecord,
  markReady: markAnnotationReady,
  markFailed: markAnnotationFailed,
  recordFailure: recordRenderFailure,
  now: () => new Date(),
};

const warmUpPorts: Pick<RenderPorts, 'render'> = {
  // The real sealer, except that the discarded credential takes no status-list index and stores no status entry:
  // that would be an item of a certificate that does not exist (CERT#WARMUP), written by every container start.
  async render(input) {
    const sealer = await signingKey();
    const discarded: StatusEntry = { listUrl: statusListUrl(publicBaseUrl(), 0), index: 0 };
    return renderSealed(input, { ...sealer, credentialStatus: () => Promise.resolve(discarded) });
  },
};

/**
 * Renders and signs one synthetic certificate, discarded, so the container's first real message does not pay for the
 * signing key's load and the renderer's first run (font subsetting, JIT): Lambda's init phase, and the local
 * runtime's worker start, take it instead. It writes nothing to the table. A failure (no signing key yet) is only
 * logged: the real render reports it.
 */
export async function warmUpRender(ports: Pick<RenderPorts, 'render'> = warmUpPorts): Promise<void> {
  const at = '2024-01-02T00:00:00.000Z';
  const certificate: Certificate = {
    certId: 'WARMUP',
    holderName: '预热𠮷',
    idType: 'RESIDENT_ID',
    idNumber: '110101199001010000',
    qualificationCode: 'ECONOMICS',
    level: '中级',
    specialty: '人力资源管理',
    approvalDate: '2023-11-05',
    issuedAt: '2023-12-20',
    issuer: '中华人民共和国人力资源和社会保障部',
    status: 'VALID',
    importedAt: at,
    updatedAt: at,
  };
  const annotation: Annotation = {
    annotationId: '01HKAAAAAAAAAAAAAAAAAAAAAA',
    certId: certificate.certId,
    holderId: 'warm-up',
    scenario: 'SELF_USE',
    validDays: 90,
    appliedAt: at,
    validFrom: at,
    validUntil: '2024-04-01T00:00:00.000Z',
    status: 'PENDING',
    verificationCode: 'WARMUPWARMUPWARMUPWARMUP',
  };
  const started = performance.now();
  try {
    await ports.render({ annotation, certificate });
    logger.debug('renderer warmed up', { ms: Math.round(performance.now() - started) });
  } catch (error) {
    logger.warn('renderer warm-up failed', { errorName: (error as Error).name });
  }
}

/** The deterministic reasons known before anything is drawn. */
function rejectionBeforeRender(annotation: Annotation, certificate: Certificate | undefined): RenderRejectedError | undefined {
  if (!certificate) return REJECTIONS.certificateMissing();
  if (certificate.status === 'REVOKED') return REJECTIONS.certificateRevoked();
  if (!findScenario(annotation.scenario)) return REJECTIONS.scenarioWithdrawn();
  return undefined;
}

export async function renderAnnotation(message: RenderMessage, ports: RenderPorts = defaultRenderPorts): Promise<RenderOutcome> {
  const { certId, annotationId } = message;
  const { annotation, certificate } = await ports.load(message);
  if (!annotation || annotation.status !== 'PENDING') {
    logger.info('nothing to render', { certId, annotationId, status: annotation?.status ?? 'missing' });
    metrics.addMetric('RenderSkipped', MetricUnit.Count, 1);
    return 'skipped';
  }
  try {
    const rejected = rejectionBeforeRender(annotation, certificate);
    if (rejected) throw rejected;
    const started = performance.now();
    let rendered;
    try {
      rendered = await ports.render({ annotation, certificate: certificate! });
    } catch (error) {
      // A character no font has: retrying cannot help, and a blank box must never be printed instead.
      if (error instanceof UnrenderableCharacterError) throw REJECTIONS.unrenderableCharacter(error.codePoint);
      throw error;
    }
    metrics.addMetric('RenderMilliseconds', MetricUnit.Milliseconds, performance.now() - started);
    // The object and the verification record at once (one round trip); READY only after both.
    const [stored] = await Promise.all([
      ports.store(certId, annotationId, rendered.bytes),
      ports.recordVerification(annotation, sha256Hex(rendered.bytes), rendered.signerFingerprint),
    ]);
    const renderedAt = ports.now();
    const ready = await ports.markReady(annotation, {
      objectKey: stored.key,
      documentSha256: stored.sha256,
      documentSize: stored.size,
      renderedAt: renderedAt.toISOString(),
    });
    logger.info(ready ? 'annotation ready' : 'annotation already completed', { certId, annotationId, bytes: stored.size });
    if (!ready) {
      metrics.addMetric('RenderSkipped', MetricUnit.Count, 1);
      return 'skipped';
    }
    metrics.addMetric('AnnotationsReady', MetricUnit.Count, 1);
    metrics.addMetric('ApplyToReadyMilliseconds', MetricUnit.Milliseconds, renderedAt.getTime() - Date.parse(annotation.appliedAt));
    return 'rendered';
  } catch (error) {
    return handleFailure(annotation, error, ports);
  }
}

async function handleFailure(annotation: Annotation, error: unknown, ports: RenderPorts): Promise<RenderOutcome> {
  const { certId, annotationId } = annotation;
  const failure = classifyRenderFailure(error);
  if (failure.kind === 'deterministic') {
    // If this write fails (DynamoDB unavailable) it throws: transient, the message comes back and decides again.
    const marked = await ports.markFailed(certId, annotationId, { reason: failure.reason, code: failure.code, attempted: true }, ports.now());
    logger.warn(marked ? 'annotation failed' : 'annotation no longer pending', { certId, annotationId, code: failure.code });
    if (marked) metrics.addMetric('AnnotationsFailed', MetricUnit.Count, 1);
    return marked ? 'failed' : 'skipped';
  }
  metrics.addMetric('RenderTransientFailures', MetricUnit.Count, 1);
  logger.warn('render failed transiently; the message will be retried', { certId, annotationId, code: failure.code });
  try {
    await ports.recordFailure(certId, annotationId, failure.code, ports.now());
  } catch (recordError) {
    // Most likely the same outage: the retry (or the reconciler) finds the annotation PENDING either way.
    logger.warn('could not record the render failure', { annotationId, errorName: (recordError as Error).name });
  }
  throw error;
}
