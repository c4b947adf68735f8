import { describe, expect, it } from 'vitest';
import {
  deriveStatus,
  QUOTA_LIMIT,
  QUOTA_WINDOW_DAYS,
  quotaView,
  type Annotation,
} from '../../shared/domain/annotation';
import {
  annotatedFilename,
  annotationView,
  DOWNLOAD_SAFETY_SECONDS,
  downloadLifetimeSeconds,
} from '../../shared/domain/annotation-view';
import { canonicalJson, IDEMPOTENCY_KEY_PATTERN, idempotencyRequestHash } from '../../shared/domain/idempotency';
import {
  MAX_RESEND_SPACING_MS,
  nextResendAt,
  PARKED_RESEND_AFTER_MS,
  reconcileAction,
  shouldDeferForBacklog,
  STALE_AFTER_MS,
} from '../../shared/domain/reconcile';
import { parseRenderMessage, renderMessageBody } from '../../shared/domain/render-message';
import { pendingSortKey, toAnnotation, toAnnotationItem } from '../../shared/repository/annotations';
import { keys, TABLE } from '../../shared/resources/table';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function annotation(overrides: Partial<Annotation> = {}): Annotation {
  return {
    annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P',
    certId: 'Z2023110500123',
    holderId: '6f1c2b9e-1d2a-4c3b-9a8e-7f6d5c4b3a21',
    scenario: 'SELF_USE',
    validDays: 90,
    appliedAt: NOW.toISOString(),
    validFrom: NOW.toISOString(),
    validUntil: iso(NOW.getTime() + 90 * DAY),
    status: 'PENDING',
    verificationCode: 'abcdefghijklmnopqrstuvwx',
    ...overrides,
  };
}

describe('quotaView', () => {
  it('counts live slots and says nothing about the next slot while one is free', () => {
    const view = quotaView({ a: iso(NOW.getTime() - 10 * DAY), b: iso(NOW.getTime() - DAY) }, NOW);
    expect(view).toEqual({
      limit: QUOTA_LIMIT,
      used: 2,
      windowDays: QUOTA_WINDOW_DAYS,
      remaining: 1,
      canApply: true,
      nextAvailableAt: null,
      oldestSlotFreesAt: iso(NOW.getTime() + 80 * DAY),
    });
  });

  it('frees the next slot 90 days after the oldest of the last three', () => {
    const oldest = NOW.getTime() - 30 * DAY;
    const view = quotaView({ a: iso(oldest), b: iso(NOW.getTime() - 2 * DAY), c: iso(NOW.getTime() - DAY) }, NOW);
    expect(view).toMatchObject({ used: 3, remaining: 0, canApply: false, nextAvailableAt: iso(oldest + 90 * DAY) });
    expect(view.oldestSlotFreesAt).toBe(view.nextAvailableAt);
  });

  it('says when the oldest slot frees and nothing else for an unused quota', () => {
    expect(quotaView({}, NOW)).toMatchObject({ used: 0, remaining: QUOTA_LIMIT, canApply: true, nextAvailableAt: null, oldestSlotFreesAt: null });
  });

  it('ignores slots older than the window (a slot applied 90 days ago to the millisecond is free)', () => {
    const view = quotaView(
      { old: iso(NOW.getTime() - 90 * DAY), b: iso(NOW.getTime() - DAY), c: iso(NOW.getTime() - 1000) },
      NOW,
    );
    expect(view).toMatchObject({ used: 2, nextAvailableAt: null });
  });
});

describe('deriveStatus', () => {
  const valid = { status: 'VALID' as const };
  it('is READY until validUntil, EXPIRED from that instant (R6)', () => {
    const a = annotation({ status: 'READY', validUntil: iso(NOW.getTime() + 1) });
    expect(deriveStatus(a, valid, NOW)).toBe('READY');
    expect(deriveStatus(a, valid, new Date(NOW.getTime() + 1))).toBe('EXPIRED');
  });

  it('says REVOKED for every stored state once the certificate is revoked (R3)', () => {
    for (const status of ['PENDING', 'READY', 'FAILED'] as const) {
      expect(deriveStatus(annotation({ status }), { status: 'REVOKED' }, NOW)).toBe('REVOKED');
    }
  });

  it('keeps PENDING and FAILED whatever the time', () => {
    const later = new Date(NOW.getTime() + 100 * DAY);
    expect(deriveStatus(annotation({ status: 'PENDING' }), valid, later)).toBe('PENDING');
    expect(deriveStatus(annotation({ status: 'FAILED' }), valid, later)).toBe('FAILED');
  });
});

describe('annotationView', () => {
  const ready = annotation({
    status: 'READY',
    objectKey: 'annotations/Z2023110500123/x.pdf',
    documentSha256: 'ab'.repeat(32),
    documentSize: 123_456,
    renderedAt: NOW.toISOString(),
  });

  it('hides the verification code and document facts while PENDING', () => {
    const view = annotationView(annotation(), { status: 'VALID' }, NOW);
    expect(view).toEqual({
      annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P',
      certId: 'Z2023110500123',
      scenario: 'SELF_USE',
      scenarioLabel: '本人调用',
      validDays: 90,
      appliedAt: NOW.toISOString(),
      validFrom: NOW.toISOString(),
      validUntil: iso(NOW.getTime() + 90 * DAY),
      status: 'PENDING',
      statusLabel: '证书生成中…',
      remind: false,
    });
  });

  it('says whether expiry reminders were asked for', () => {
    expect(annotationView({ ...annotation(), remind: true }, { status: 'VALID' }, NOW).remind).toBe(true);
  });

  it('shows the verification code and the document once READY, never the object key or holder id', () => {
    const view = annotationView(ready, { status: 'VALID' }, NOW);
    expect(view).toMatchObject({
      status: 'READY',
      statusLabel: '有效',
      verificationCode: 'abcdefghijklmnopqrstuvwx',
      documentSha256: 'ab'.repeat(32),
      documentSize: 123_456,
    });
    expect(view).not.toHaveProperty('objectKey');
    expect(view).not.toHaveProperty('holderId');
  });

  it('keeps the code on an EXPIRED annotation and hides it on a REVOKED one', () => {
    const later = new Date(NOW.getTime() + 91 * DAY);
    expect(annotationView(ready, { status: 'VALID' }, later)).toMatchObject({
      status: 'EXPIRED',
      statusLabel: '加注件已过期',
      verificationCode: ready.verificationCode,
    });
    const revoked = annotationView(ready, { status: 'REVOKED' }, NOW);
    expect(revoked).toMatchObject({ status: 'REVOKED', statusLabel: '已撤销' });
    expect(revoked).not.toHaveProperty('verificationCode');
  });

  it('gives the failure reason of a FAILED annotation', () => {
    const view = annotationView(annotation({ status: 'FAILED', failureReason: '证书生成多次失败，请重新申请' }), { status: 'VALID' }, NOW);
    expect(view).toMatchObject({ status: 'FAILED', statusLabel: '生成失败', failureReason: '证书生成多次失败，请重新申请' });
    expect(view).not.toHaveProperty('verificationCode');
  });

  it('falls back to the code for a scenario no longer configured', () => {
    expect(annotationView(annotation({ scenario: 'RETIRED' }), { status: 'VALID' }, NOW).scenarioLabel).toBe('RETIRED');
  });
});

describe('downloadLifetimeSeconds', () => {
  it('is capped at the maximum', () => {
    expect(downloadLifetimeSeconds(iso(NOW.getTime() + DAY), NOW, 300)).toBe(300);
  });

  it('never reaches past validUntil, with the safety second', () => {
    expect(downloadLifetimeSeconds(iso(NOW.getTime() + 100_000), NOW, 300)).toBe(100 - DOWNLOAD_SAFETY_SECONDS);
    expect(downloadLifetimeSeconds(iso(NOW.getTime() + 100_999), NOW, 300)).toBe(100 - DOWNLOAD_SAFETY_SECONDS);
  });

  it('is 0 when (almost) nothing is left or the annotation is over', () => {
    expect(downloadLifetimeSeconds(iso(NOW.getTime() + 1500), NOW, 300)).toBe(0);
    expect(downloadLifetimeSeconds(iso(NOW.getTime() - 5000), NOW, 300)).toBe(0);
  });
});

describe('annotatedFilename', () => {
  it('names the qualification and the certificate', () => {
    expect(annotatedFilename('经济专业技术资格', 'Z2023110500123')).toBe('经济专业技术资格-Z2023110500123-电子证书（加注）.pdf');
  });
});

describe('idempotency request hash', () => {
  it('is the same for the same certificate and body, whatever the key order', () => {
    const a = idempotencyRequestHash('Z1', { scenario: 'SELF_USE', validDays: 90 });
    const b = idempotencyRequestHash('Z1', { validDays: 90, scenario: 'SELF_USE' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for another body or another certificate', () => {
    const base = idempotencyRequestHash('Z1', { scenario: 'SELF_USE', validDays: 90 });
    expect(idempotencyRequestHash('Z1', { scenario: 'SELF_USE', validDays: 30 })).not.toBe(base);
    expect(idempotencyRequestHash('Z2', { scenario: 'SELF_USE', validDays: 90 })).not.toBe(base);
  });

  it('canonicalises nested objects and arrays, dropping undefined', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x', u: undefined })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
  });

  it('accepts keys of 1–128 safe characters only', () => {
    expect(IDEMPOTENCY_KEY_PATTERN.test('a')).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('4f0c-11:retry_2.x')).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('k'.repeat(128))).toBe(true);
    for (const bad of ['', 'k'.repeat(129), 'a b', 'a#b', '键', 'a/b']) expect(IDEMPOTENCY_KEY_PATTERN.test(bad)).toBe(false);
  });
});

describe('reconcileAction', () => {
  const ago = (ms: number) => iso(NOW.getTime() - ms);
  it('skips READY and FAILED annotations and lets a fresh PENDING one wait', () => {
    expect(reconcileAction({ status: 'PENDING', appliedAt: NOW.toISOString() }, NOW)).toBe('wait');
    expect(reconcileAction({ status: 'READY', appliedAt: ago(DAY) }, NOW)).toBe('skip');
    expect(reconcileAction({ status: 'FAILED', appliedAt: ago(DAY) }, NOW)).toBe('skip');
  });

  it('re-sends a PENDING one STALE_AFTER_MS after it was applied for, then with doubling spacing capped at an hour', () => {
    expect(reconcileAction({ status: 'PENDING', appliedAt: ago(STALE_AFTER_MS - 1) }, NOW)).toBe('wait');
    expect(reconcileAction({ status: 'PENDING', appliedAt: ago(STALE_AFTER_MS) }, NOW)).toBe('requeue');
    // Re-sent 3 times, the last 15 minutes ago: the next is due 16 minutes after it.
    const thrice = { status: 'PENDING' as const, appliedAt: ago(DAY), enqueueCount: 3, lastEnqueuedAt: ago(15 * 60_000) };
    expect(nextResendAt(thrice)).toBe(NOW.getTime() - 15 * 60_000 + STALE_AFTER_MS * 8);
    expect(reconcileAction(thrice, NOW)).toBe('wait');
    expect(reconcileAction({ ...thrice, lastEnqueuedAt: ago(16 * 60_000) }, NOW)).toBe('requeue');
    const often = { status: 'PENDING' as const, appliedAt: ago(DAY), enqueueCount: 30, lastEnqueuedAt: ago(MAX_RESEND_SPACING_MS - 1) };
    expect(reconcileAction(often, NOW)).toBe('wait');
    expect(reconcileAction({ ...often, lastEnqueuedAt: ago(MAX_RESEND_SPACING_MS) }, NOW)).toBe('requeue');
  });

  it('never fails an annotation, however long it waited or how often it was re-sent', () => {
    for (const enqueueCount of [0, 3, 10, 1000]) {
      const action = reconcileAction({ status: 'PENDING', appliedAt: ago(30 * DAY), enqueueCount, lastEnqueuedAt: ago(2 * DAY) }, NOW);
      expect(action).toBe('requeue');
    }
  });

  it('leaves an annotation whose render failed transiently to the DLQ redrive for a day', () => {
    const parked = { status: 'PENDING' as const, appliedAt: ago(3 * 3600_000), lastFailure: 'ServiceUnavailable', lastFailedAt: ago(3600_000) };
    expect(reconcileAction(parked, NOW)).toBe('wait');
    expect(reconcileAction({ ...parked, lastFailedAt: ago(PARKED_RESEND_AFTER_MS) }, NOW)).toBe('requeue');
  });

  it('defers every re-send while the queue holds at least as many messages as there are annotations due', () => {
    expect(shouldDeferForBacklog(10_000, 500)).toBe(true);
    expect(shouldDeferForBacklog(500, 500)).toBe(true);
    expect(shouldDeferForBacklog(499, 500)).toBe(false);
    expect(shouldDeferForBacklog(0, 1)).toBe(false);
    expect(shouldDeferForBacklog(0, 0)).toBe(false);
  });
});

describe('render message', () => {
  it('round-trips ids and nothing else', () => {
    const body = renderMessageBody({ certId: 'Z1', annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P', extra: 1 } as never);
    expect(JSON.parse(body)).toEqual({ certId: 'Z1', annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P' });
    expect(parseRenderMessage(body)).toEqual({ certId: 'Z1', annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P' });
  });

  it('refuses garbage, ids that could not be keys, and extra fields (the one strict schema)', () => {
    for (const body of [
      '',
      'dead letter',
      'null',
      '[]',
      '{"certId":"Z1"}',
      '{"certId":"Z#1","annotationId":"01JNKQ8X7Z5V3W2Y1T0S9R8Q7P"}',
      '{"certId":"Z1","annotationId":"x"}',
      `{"certId":"${'Z'.repeat(41)}","annotationId":"01JNKQ8X7Z5V3W2Y1T0S9R8Q7P"}`,
      '{"certId":"Z1","annotationId":"01JNKQ8X7Z5V3W2Y1T0S9R8Q7P","status":"READY"}',
    ]) {
      expect(parseRenderMessage(body), body).toBeUndefined();
    }
  });
});

describe('annotation item mapping', () => {
  it('stores validUntil as epoch seconds for TTL (rounded up) and keeps the ISO time apart', () => {
    const a = annotation({ validUntil: '2026-05-30T08:00:00.500Z' });
    const item = toAnnotationItem(a);
    expect(item[TABLE.ttlAttribute]).toBe(Math.ceil(Date.parse('2026-05-30T08:00:00.500Z') / 1000));
    expect(typeof item[TABLE.ttlAttribute]).toBe('number');
    expect(item.validUntilIso).toBe('2026-05-30T08:00:00.500Z');
    expect(item).toMatchObject(keys.annotation(a.certId, a.annotationId));
  });

  it('puts a PENDING annotation in gsi2 and nothing else', () => {
    const a = annotation();
    expect(toAnnotationItem(a)).toMatchObject({
      gsi2pk: keys.pendingPartition(a.annotationId),
      gsi2sk: pendingSortKey(a.appliedAt, a.certId, a.annotationId),
    });
    expect(toAnnotationItem(annotation({ status: 'READY' }))).not.toHaveProperty('gsi2pk');
  });

  it('maps back to the same annotation', () => {
    const ready = annotation({
      status: 'READY',
      objectKey: 'k',
      documentSha256: 'f'.repeat(64),
      documentSize: 9,
      renderedAt: NOW.toISOString(),
      renderAttempts: 2,
      lastFailure: 'ServiceUnavailable',
      lastFailedAt: NOW.toISOString(),
      enqueueCount: 2,
      lastEnqueuedAt: NOW.toISOString(),
    });
    expect(toAnnotation(toAnnotationItem(ready))).toEqual(ready);
    expect(toAnnotation(toAnnotationItem(annotation()))).toEqual(annotation());
  });
});

describe('OpenAPI document of the annotation routes', () => {
  it('shows the apply body and the optional Idempotency-Key header from the validating schemas', async () => {
    const { openApiDocument } = await import('../../shared/http/openapi');
    const paths = openApiDocument().paths as Record<string, Record<string, { parameters: unknown[]; requestBody?: unknown }>>;
    const post = paths['/v1/certificates/{certId}/annotations']!.post!;
    expect(post.parameters).toContainEqual({
      name: 'idempotency-key',
      in: 'header',
      required: false,
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
    });
    expect(JSON.stringify(post.requestBody)).toContain('"required":["scenario","validDays"]');
    expect(paths['/v1/certificates/{certId}/annotations/{annotationId}/download']!.get!.parameters).toContainEqual(
      expect.objectContaining({ name: 'disposition', in: 'query' }),
    );
  });
});
