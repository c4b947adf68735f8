import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sqs } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { ROUTES, type RouteDecl } from '../../shared/resources/routes';
import { moduleHandlerLoader, type LambdaHandler } from '../../local/handlers';
import { certificateRecord } from '../support/factories';
import { startTestStack, type TestStack } from '../support/local-stack';

// Prepare: the production function and route tables plus an echo route and a flaky queue consumer that exist only
// here, so the adapter and the poller can be observed from outside.
const echo: FunctionDecl = { id: 'Echo', entry: 'test-only/echo', memoryMb: 128, timeoutSeconds: 5, access: [] };
const consumer: FunctionDecl = {
  id: 'FlakyConsumer',
  entry: 'test-only/flaky',
  memoryMb: 128,
  timeoutSeconds: 5,
  access: [],
  trigger: { type: 'queue', queue: 'annotations', batchSize: 10, maxConcurrency: 2 },
};
const routes: RouteDecl[] = [
  ...ROUTES,
  { method: 'POST', path: '/test/echo/{id}/items/{itemId}', fn: 'echo' as never, public: false, summary: 'echo' },
];

const deliveries: Array<{ body: string; receiveCount: number }> = [];
const succeeded = new Set<string>();

const flakyConsumer: LambdaHandler = async (event) => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of (event as SQSEvent).Records) {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    deliveries.push({ body: record.body, receiveCount });
    const { kind } = JSON.parse(record.body) as { kind: string };
    if (kind === 'poison' || (kind === 'flaky' && receiveCount < 2)) failures.push({ itemIdentifier: record.messageId });
    else succeeded.add(record.body);
  }
  return { batchItemFailures: failures };
};

const defaultLoader = moduleHandlerLoader();
let stack: TestStack;

// The product's own queue consumers (render, DLQ handler) would compete for the messages this file observes.
const withoutQueueConsumers = Object.fromEntries(
  Object.entries(FUNCTIONS as Record<string, FunctionDecl>).filter(([, fn]) => fn.trigger?.type !== 'queue'),
);

beforeAll(async () => {
  stack = await startTestStack({
    functions: { ...withoutQueueConsumers, echo, consumer } as never,
    routes,
    loadHandler: async (fn) => {
      if (fn.id === 'Echo') return async (event) => ({ statusCode: 200, body: JSON.stringify(event) });
      if (fn.id === 'FlakyConsumer') return flakyConsumer;
      return defaultLoader(fn);
    },
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 3 },
    pollIdleDelayMs: 50,
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local HTTP API', () => {
  it('answers /v1/health through the deployed handler module', async () => {
    const response = await stack.api('/v1/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown paths with problem+json from the $default function', async () => {
    const response = await stack.api('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('serves the OpenAPI document listing every route', async () => {
    const doc = (await (await stack.api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) expect(doc.paths[route.path]).toHaveProperty(route.method.toLowerCase());
  });

  it('builds a faithful payload-v2 event', async () => {
    // Act
    const response = await stack.api('/test/echo/a%20b/items/%F0%A0%AE%B7?x=1&y=%E4%B8%AD&x=2&flag', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'One', Cookie: 'a=1; b=2' },
      body: JSON.stringify({ hello: '𠮷' }),
    });
    const event = (await response.json()) as APIGatewayProxyEventV2;
    // Assess
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /test/echo/{id}/items/{itemId}');
    expect(event.rawPath).toBe('/test/echo/a%20b/items/%F0%A0%AE%B7');
    expect(event.rawQueryString).toBe('x=1&y=%E4%B8%AD&x=2&flag');
    expect(event.queryStringParameters).toEqual({ x: '1,2', y: '中', flag: '' });
    expect(event.pathParameters).toEqual({ id: 'a b', itemId: '𠮷' });
    expect(event.headers['x-custom']).toBe('One');
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.isBase64Encoded).toBe(false);
    expect(JSON.parse(event.body!)).toEqual({ hello: '𠮷' });
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
  });

  it('base64-encodes binary bodies', async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x80]);
    const response = await stack.api('/test/echo/1/items/2', {
      method: 'POST',
      headers: { 'Content-Type': 'application/pdf' },
      body: bytes,
    });
    const event = (await response.json()) as APIGatewayProxyEventV2;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });
});

describe('SQS poller', () => {
  it('redelivers a failed record and moves a poison one to the DLQ after maxReceiveCount', async () => {
    // Act
    const client = sqs();
    for (const kind of ['ok', 'flaky', 'poison']) {
      await client.send(new SendMessageCommand({ QueueUrl: stack.target.queueUrl, MessageBody: JSON.stringify({ kind }) }));
    }
    // Assess: the flaky record succeeds on its second delivery, the ok one on its first.
    await eventually(() => (succeeded.has('{"kind":"flaky"}') && succeeded.has('{"kind":"ok"}') ? true : undefined));
    expect(deliveries.filter((d) => d.body === '{"kind":"ok"}').map((d) => d.receiveCount)).toEqual([1]);
    expect(deliveries.filter((d) => d.body === '{"kind":"flaky"}').map((d) => d.receiveCount)).toEqual([1, 2]);
    // The poison record is tried maxReceiveCount (3) times, then lands in the DLQ and is never delivered again.
    const dlqDepth = await eventually(async () => {
      const out = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.target.deadLetterQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      return depth > 0 ? depth : undefined;
    });
    expect(dlqDepth).toBe(1);
    expect(deliveries.filter((d) => d.body === '{"kind":"poison"}').map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    expect(succeeded.has('{"kind":"poison"}')).toBe(false);
  });
});

describe('per-client throttling of public routes', () => {
  it('answers 429 problem+json with retry-after once a client exceeds its burst', async () => {
    const limited = await startTestStack({ publicRateLimit: { ratePerSecond: 1, burst: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.api('/v1/health')).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const response = await limited.api('/v1/health');
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    } finally {
      await limited.stop();
    }
  });
});

describe('table stream poller', () => {
  it('delivers the changes made within a batching window in one batch, and drainStreams does not wait the window out', async () => {
    // Prepare: a window far longer than the ten writes take, as the audit trail's 5 s is at peak.
    const windowed = await startTestStack({ streamBatchingWindowMs: 30_000 });
    try {
      const key = await getSecret('idHashKey');
      await windowed.drainStreams();
      const before = { ...windowed.streamStats! };

      // Act: ten certificates written at once — each an INSERT of the certificate item and one of its audit event, both
      // consumed by the audit trail.
      await Promise.all(Array.from({ length: 10 }, () => upsertCertificate(certificateRecord(), key)));
      await windowed.drainStreams(20_000);

      // Assess: all twenty records delivered, in at most two batches (a pass may fall between the writes), within
      // drain's 20 s, shorter than the window.
      expect(windowed.streamStats!.succeeded - before.succeeded).toBe(20);
      expect(windowed.streamStats!.batches - before.batches).toBeLessThanOrEqual(2);
      expect(windowed.streamStats!.failed).toBe(before.failed);
    } finally {
      await windowed.stop();
    }
  });
});
