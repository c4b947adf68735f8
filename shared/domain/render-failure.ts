/**
 * Why rendering one annotation produced no document, and what follows (non-negotiable 5: waiting is never failure).
 *
 * - **Deterministic**: the same input can never render — the certificate is gone or revoked, the scenario was
 *   withdrawn, a character no font has. The annotation becomes FAILED at once, its quota slot freed. Code that
 *   renders signals one by throwing `RenderRejectedError` (a code for operators, a reason the holder reads).
 * - **Transient**: everything else — S3 or DynamoDB unavailable, throttling, a TSA or KMS that does not answer, a
 *   timeout, and any error nobody classified. The message is retried; after the queue's maxReceiveCount it waits in
 *   the DLQ for `npm run ecert -- dlq redrive`, the annotation still PENDING. Throw `TransientRenderError` to give the
 *   failure a code of your own (shown by `dlq list`); any other error counts as transient under its `name`.
 *
 * An unclassified error is transient on purpose: a bug that throws for every annotation must park the messages for a
 * fix and a redrive, never fail a results day's worth of valid annotations.
 */
export class RenderRejectedError extends Error {
  override name = 'RenderRejectedError';
  constructor(
    /** Stable, for operators and metrics (e.g. CERTIFICATE_REVOKED). */
    readonly code: string,
    /** What the holder reads on the FAILED annotation (Chinese, no personal data). */
    readonly reason: string,
  ) {
    super(`render rejected: ${code}`);
  }
}

export class TransientRenderError extends Error {
  override name = 'TransientRenderError';
  constructor(
    /** Stable and safe to log (e.g. TSA_UNREACHABLE, KMS_THROTTLED): `dlq list` shows it as the reason. */
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(`transient render failure: ${code}`, options);
  }
}

/** The deterministic rejections the render use case itself decides. */
export const REJECTIONS = {
  certificateMissing: () => new RenderRejectedError('CERTIFICATE_MISSING', '证书不存在'),
  certificateRevoked: () => new RenderRejectedError('CERTIFICATE_REVOKED', '证书已撤销'),
  scenarioWithdrawn: () => new RenderRejectedError('SCENARIO_WITHDRAWN', '使用场景已停用'),
  unrenderableCharacter: (codePoint: string) =>
    new RenderRejectedError('UNRENDERABLE_CHARACTER', `证书信息中有无法显示的字符（${codePoint}）`),
} as const;

export type RenderFailure = { kind: 'deterministic'; code: string; reason: string } | { kind: 'transient'; code: string };

const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** A code that is safe to store and log: an error's own text never is (it may quote input). */
export function failureCode(error: unknown): string {
  const candidate =
    error instanceof TransientRenderError || error instanceof RenderRejectedError
      ? error.code
      : (error as { name?: unknown } | null)?.name;
  return typeof candidate === 'string' && SAFE_CODE.test(candidate) ? candidate : 'UnknownError';
}

export function classifyRenderFailure(error: unknown): RenderFailure {
  if (error instanceof RenderRejectedError) return { kind: 'deterministic', code: failureCode(error), reason: error.reason };
  return { kind: 'transient', code: failureCode(error) };
}
