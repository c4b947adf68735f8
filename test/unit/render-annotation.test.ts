import { createHash } from 'node:crypto';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import type { Annotation } from '../../shared/domain/annotation';
import type { Certificate } from '../../shared/domain/certificate';
import { RenderRejectedError, TransientRenderError } from '../../shared/domain/render-failure';
import { metrics } from '../../shared/observability';
import { UnrenderableCharacterError } from '../../shared/pdf/fonts';
import { toAnnotationItem } from '../../shared/repository/annotations';
import { renderAnnotation, warmUpRender, type RenderPorts } from '../../shared/services/annotations-render';
import { certificate, pendingAnnotation } from '../support/factories';

/**
 * Rendering one annotation (shared/services/annotations-render.ts) with its ports replaced: which failures make an
 * annotation FAILED (deterministic ones only), which are retried (everything else), and that a duplicate stores
 * nothing new. The real renderer, S3 and DynamoDB run in test/integration/annotation-pipeline.test.ts.
 */
const NOW = new Date('2026-03-01T08:00:01.000Z');
const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d]);

interface Recorded {
  rendered: number;
  stored: string[];
  verification: Array<{ annotationId: string; sha256: string; signer?: string }>;
  ready: Array<{ annotationId: string; documentSha256: string }>;
  failed: Array<{ annotationId: string; code: string; reason: string; attempted: boolean }>;
  transient: Array<{ annotationId: string; code: string }>;
}

/** Ports that record what the use case asked for; `overrides` inject the behaviour under test. */
function ports(state: { annotation?: Annotation; certificate?: Certificate }, overrides: Partial<RenderPorts> = {}) {
  const recorded: Recorded = { rendered: 0, stored: [], verification: [], ready: [], failed: [], transient: [] };
  const fake: RenderPorts = {
    load: async () => state,
    render: async () => {
      recorded.rendered++;
      return { bytes: PDF, signerFingerprint: 'ab'.repeat(32) };
    },
    store: async (certId, annotationId, bytes) => {
      recorded.stored.push(`${certId}/${annotationId}`);
      return { key: `annotations/${certId}/${annotationId}.pdf`, sha256: 'f'.repeat(64), size: bytes.length };
    },
    recordVerification: async (annotation, sha256, signer) => {
      recorded.verification.push({ annotationId: annotation.annotationId, sha256, ...(signer ? { signer } : {}) });
    },
    markReady: async (annotation, doc) => {
      // READY only once the document and its verification record exist.
      expect(recorded.stored).toContain(`${annotation.certId}/${annotation.annotationId}`);
      expect(recorded.verification.map((v) => v.annotationId)).toContain(annotation.annotationId);
      recorded.ready.push({ annotationId: annotation.annotationId, documentSha256: doc.documentSha256 });
      return true;
    },
    markFailed: async (_certId, annotationId, failure) => {
      recorded.failed.push({ annotationId, ...failure });
      return true;
    },
    recordFailure: async (_certId, annotationId, code) => {
      recorded.transient.push({ annotationId, code });
      return true;
    },
    now: () => NOW,
    ...overrides,
  };
  return { fake, recorded };
}

const pending = () => {
  const cert = certificate();
  const annotation = pendingAnnotation({ certId: cert.certId });
  return { cert, annotation, message: { certId: cert.certId, annotationId: annotation.annotationId } };
};

afterEach(() => vi.restoreAllMocks());

describe('renderAnnotation', () => {
  it('renders a PENDING annotation, stores it under its own key and marks it READY', async () => {
    // Prepare
    const { cert, annotation, message } = pending();
    const { fake, recorded } = ports({ annotation, certificate: cert });
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    const outcome = await renderAnnotation(message, fake);

    // Assess
    expect(outcome).toBe('rendered');
    expect(recorded.stored).toEqual([`${cert.certId}/${annotation.annotationId}`]);
    expect(recorded.ready).toEqual([{ annotationId: annotation.annotationId, documentSha256: 'f'.repeat(64) }]);
    expect(recorded.verification).toEqual([
      { annotationId: annotation.annotationId, sha256: createHash('sha256').update(PDF).digest('hex'), signer: 'ab'.repeat(32) },
    ]);
    expect(recorded.failed).toEqual([]);
    expect(addMetric.mock.calls.map(([name]) => name)).toEqual(['RenderMilliseconds', 'AnnotationsReady', 'ApplyToReadyMilliseconds']);
    expect(addMetric.mock.calls[2]![2]).toBe(NOW.getTime() - Date.parse(annotation.appliedAt));
  });

  it('renders nothing for an annotation that is READY, FAILED or missing (a duplicate delivery)', async () => {
    const { cert, annotation, message } = pending();
    for (const state of [{ annotation: { ...annotation, status: 'READY' as const } }, { annotation: { ...annotation, status: 'FAILED' as const } }, {}]) {
      const { fake, recorded } = ports({ ...state, certificate: cert });
      expect(await renderAnnotation(message, fake)).toBe('skipped');
      expect(recorded.rendered + recorded.stored.length + recorded.ready.length + recorded.failed.length).toBe(0);
    }
  });

  it('reports a duplicate that lost the READY race as skipped', async () => {
    const { cert, annotation, message } = pending();
    const { fake } = ports({ annotation, certificate: cert }, { markReady: async () => false });
    expect(await renderAnnotation(message, fake)).toBe('skipped');
  });

  it.each([
    ['a revoked certificate', { certificate: certificate({ status: 'REVOKED' }) }, 'CERTIFICATE_REVOKED', '证书已撤销'],
    ['a missing certificate', { certificate: undefined }, 'CERTIFICATE_MISSING', '证书不存在'],
    ['a withdrawn scenario', { scenario: 'WITHDRAWN' }, 'SCENARIO_WITHDRAWN', '使用场景已停用'],
  ])('fails an annotation of %s at once, with the reason, and draws nothing', async (_what, change, code, reason) => {
    // Prepare
    const { cert, annotation, message } = pending();
    const state = {
      annotation: 'scenario' in change ? { ...annotation, scenario: change.scenario as string } : annotation,
      ...('certificate' in change ? (change.certificate ? { certificate: change.certificate } : {}) : { certificate: cert }),
    };
    const { fake, recorded } = ports(state);

    // Act
    const outcome = await renderAnnotation(message, fake);

    // Assess
    expect(outcome).toBe('failed');
    expect(recorded.failed).toEqual([{ annotationId: annotation.annotationId, code, reason, attempted: true }]);
    expect(recorded.rendered).toBe(0);
    expect(recorded.transient).toEqual([]);
  });

  it('fails an annotation whose text has a character no font can draw, naming the code point', async () => {
    const { cert, annotation, message } = pending();
    const { fake, recorded } = ports(
      { annotation, certificate: cert },
      {
        render: async () => {
          throw new UnrenderableCharacterError('ⴰ');
        },
      },
    );
    expect(await renderAnnotation(message, fake)).toBe('failed');
    expect(recorded.failed).toEqual([
      { annotationId: annotation.annotationId, code: 'UNRENDERABLE_CHARACTER', reason: '证书信息中有无法显示的字符（U+2D30）', attempted: true },
    ]);
    expect(recorded.stored).toEqual([]);
  });

  it('fails on a RenderRejectedError thrown by the renderer (how signing code reports a deterministic failure)', async () => {
    const { cert, annotation, message } = pending();
    const { fake, recorded } = ports(
      { annotation, certificate: cert },
      {
        render: async () => {
          throw new RenderRejectedError('SIGNER_REVOKED', '签名证书已吊销');
        },
      },
    );
    expect(await renderAnnotation(message, fake)).toBe('failed');
    expect(recorded.failed[0]).toMatchObject({ code: 'SIGNER_REVOKED', reason: '签名证书已吊销' });
  });

  it.each([
    ['S3 unavailable while storing', { store: () => Promise.reject(Object.assign(new Error('down'), { name: 'ServiceUnavailable' })) }, 'ServiceUnavailable'],
    ['DynamoDB unavailable for the verification record', { recordVerification: () => Promise.reject(Object.assign(new Error('x'), { name: 'InternalServerError' })) }, 'InternalServerError'],
    ['DynamoDB throttling at READY', { markReady: () => Promise.reject(Object.assign(new Error('slow'), { name: 'ThrottlingException' })) }, 'ThrottlingException'],
    ['a TSA that does not answer', { render: () => Promise.reject(new TransientRenderError('TSA_UNREACHABLE')) }, 'TSA_UNREACHABLE'],
    ['an error nobody classified', { render: () => Promise.reject(new TypeError('x is undefined')) }, 'TypeError'],
  ])('keeps the annotation PENDING on %s: records the attempt and rethrows for a retry', async (_what, overrides, code) => {
    // Prepare
    const { cert, annotation, message } = pending();
    const { fake, recorded } = ports({ annotation, certificate: cert }, overrides as Partial<RenderPorts>);

    // Act
    const error = await renderAnnotation(message, fake).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(recorded.failed).toEqual([]);
    expect(recorded.transient).toEqual([{ annotationId: annotation.annotationId, code }]);
    expect(recorded.ready).toEqual([]);
  });

  it('rethrows the original failure when even recording it fails (the same outage)', async () => {
    const { cert, annotation, message } = pending();
    const outage = Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    const { fake } = ports(
      { annotation, certificate: cert },
      { store: () => Promise.reject(outage), recordFailure: () => Promise.reject(new Error('also down')) },
    );
    await expect(renderAnnotation(message, fake)).rejects.toBe(outage);
  });

  it('rethrows when a deterministic failure cannot be written, so the retry decides again', async () => {
    const { annotation, message } = pending();
    const { fake } = ports(
      { annotation, certificate: certificate({ status: 'REVOKED' }) },
      { markFailed: () => Promise.reject(Object.assign(new Error('down'), { name: 'InternalServerError' })) },
    );
    await expect(renderAnnotation(message, fake)).rejects.toMatchObject({ name: 'InternalServerError' });
  });
});

describe('warmUpRender', () => {
  it('renders one synthetic certificate with an Extension B name, and only logs when that fails', async () => {
    const seen: Array<{ annotation: Annotation; certificate: Certificate }> = [];
    await warmUpRender({ render: async (input) => (seen.push(input), { bytes: PDF }) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.certificate.holderName).toContain('𠮷');
    await expect(warmUpRender({ render: () => Promise.reject(new Error('no key yet')) })).resolves.toBeUndefined();
  });
});

describe('render consumer (BatchProcessor with the RenderMessage schema as its parser)', () => {
  const ddbMock = mockClient(DynamoDBDocumentClient);
  beforeAll(() => {
    process.env[ENV.tableName] = 'unit-ecert';
    resetClients();
  });
  afterAll(() => {
    ddbMock.restore();
    delete process.env[ENV.tableName];
  });

  const record = (body: string, messageId: string): SQSEvent['Records'][number] => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(NOW.getTime()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(NOW.getTime()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ecert-annotations',
    awsRegion: 'us-east-1',
  });

  it('renders what parses and hands back, for a retry, every record the one schema refuses', async () => {
    // Prepare: an annotation already READY (the use case skips it), and three records no render may trust.
    const done = { ...pendingAnnotation(), status: 'READY' as const };
    ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, unknown> }) => ({
      Responses: { [Object.keys(input.RequestItems)[0]!]: [toAnnotationItem(done)] },
    }));
    const { handler } = await import('../../functions/render/consumer');
    const event: SQSEvent = {
      Records: [
        record(JSON.stringify({ certId: done.certId, annotationId: done.annotationId }), 'ok'),
        record('not json', 'garbage'),
        record(JSON.stringify({ certId: done.certId, annotationId: done.annotationId, status: 'READY' }), 'extra-field'),
        record(JSON.stringify({ certId: 'Z#1', annotationId: done.annotationId }), 'bad-id'),
      ],
    };

    // Act
    const result = await handler(event, { awsRequestId: 'unit', functionName: 'render' } as Context);

    // Assess
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'garbage' }, { itemIdentifier: 'extra-field' }, { itemIdentifier: 'bad-id' }],
    });
  });
});
