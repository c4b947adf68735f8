import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Annotation } from '../../shared/domain/annotation';
import { STALE_AFTER_MS } from '../../shared/domain/reconcile';
import { metrics } from '../../shared/observability';
import { toAnnotationItem } from '../../shared/repository/annotations';
import { keys, PENDING_SHARDS, TABLE } from '../../shared/resources/table';
import { reconcile } from '../../shared/services/annotations-reconcile';
import { pendingAnnotation } from '../support/factories';
import { mockedPipelineAws } from '../support/mocked-aws';

/**
 * The reconciler's run (shared/services/annotations-reconcile.ts) against mocked SDK clients: it reads every gsi2
 * shard, re-sends only what is due and only when the backlog cannot hold it, counts each re-send conditionally, and
 * never fails an annotation. test/integration/faults.test.ts runs it against the emulators.
 */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const MIN = 60_000;
const { ddbMock, sqsMock } = mockedPipelineAws();

/** The table as the reconciler sees it: gsi2 (keys only, per shard) and the annotation items. */
function table(annotations: Annotation[], backlog = 0) {
  ddbMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const shard = input.ExpressionAttributeValues[':shard'];
    const cutoff = input.ExpressionAttributeValues[':cutoff']!;
    const items = annotations
      .map(toAnnotationItem)
      .filter((item) => item.gsi2pk === shard && String(item.gsi2sk) < cutoff)
      .map((item) => ({ pk: item.pk, sk: item.sk, gsi2pk: item.gsi2pk, gsi2sk: item.gsi2sk }));
    return { Items: items };
  });
  ddbMock.on(GetCommand).callsFake((input: { Key: { sk: string } }) => {
    const found = annotations.find((a) => keys.annotation(a.certId, a.annotationId).sk === input.Key.sk);
    return found ? { Item: toAnnotationItem(found) } : {};
  });
  ddbMock.on(UpdateCommand).resolves({});
  sqsMock.on(GetQueueAttributesCommand).resolves({
    Attributes: { ApproximateNumberOfMessages: String(backlog), ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' },
  });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
}

const appliedAgo = (ms: number, extra: Partial<Annotation> = {}) => pendingAnnotation({ appliedAt: new Date(NOW.getTime() - ms).toISOString(), ...extra });
const sentBodies = () => sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!) as unknown);

afterEach(() => vi.restoreAllMocks());

describe('reconcile', () => {
  it('re-sends the message of an annotation that waited past STALE_AFTER_MS with an empty queue, counting it first', async () => {
    // Prepare
    const lost = appliedAgo(STALE_AFTER_MS + MIN);
    const fresh = appliedAgo(10_000);
    table([lost, fresh]);
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    const summary = await reconcile(NOW);

    // Assess
    expect(summary).toMatchObject({ examined: 1, requeued: 1, deferred: 0, waiting: 0, errors: 0, backlog: 0 });
    expect(sentBodies()).toEqual([{ certId: lost.certId, annotationId: lost.annotationId }]);
    const count = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(count.Key).toEqual(keys.annotation(lost.certId, lost.annotationId));
    expect(count.ConditionExpression).toContain('#status = :pending');
    expect(count.ExpressionAttributeValues).toMatchObject({ ':expected': 0, ':next': 1, ':at': NOW.toISOString() });
    expect(Object.fromEntries(addMetric.mock.calls.map(([name, , value]) => [name, value]))).toEqual({
      ReconcilerStalePending: 1,
      ReconcilerRequeued: 1,
      ReconcilerDeferred: 0,
      ReconcilerErrors: 0,
      OldestPendingAgeSeconds: (STALE_AFTER_MS + MIN) / 1000,
    });
  });

  it(`reads every one of the ${PENDING_SHARDS} gsi2 shards, keys only`, async () => {
    table([]);
    await reconcile(NOW);
    const queried = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queried.map((q) => q.ExpressionAttributeValues![':shard']).sort()).toEqual(
      Array.from({ length: PENDING_SHARDS }, (_, shard) => keys.pendingShard(shard)).sort(),
    );
    for (const q of queried) expect(q.IndexName).toBe(TABLE.indexes.pendingAnnotations.name);
  });

  it('sends nothing while the render queue holds at least as many messages as there are annotations due', async () => {
    // Prepare: a results-day backlog — every stale annotation may simply be waiting its turn.
    const waiting = Array.from({ length: 3 }, (_, i) => appliedAgo(40 * MIN + i));
    table(waiting, 5_000);

    // Act
    const summary = await reconcile(NOW);

    // Assess
    expect(summary).toMatchObject({ examined: 3, requeued: 0, deferred: 3, backlog: 5_000 });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('never fails an annotation: one that waited 30 days after 40 re-sends is sent again, nothing else', async () => {
    table([appliedAgo(30 * 86_400_000, { enqueueCount: 40, lastEnqueuedAt: new Date(NOW.getTime() - 2 * 3600_000).toISOString() })]);
    const summary = await reconcile(NOW);
    expect(summary).toMatchObject({ requeued: 1 });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    for (const call of ddbMock.commandCalls(UpdateCommand)) {
      expect(JSON.stringify(call.args[0].input.ExpressionAttributeValues)).not.toContain('FAILED');
    }
  });

  it('leaves one re-sent recently, and one whose render failed transiently (its message waits in the DLQ)', async () => {
    table([
      appliedAgo(20 * MIN, { enqueueCount: 2, lastEnqueuedAt: new Date(NOW.getTime() - 5 * MIN).toISOString() }),
      appliedAgo(3 * 3600_000, { renderAttempts: 5, lastFailure: 'ServiceUnavailable', lastFailedAt: new Date(NOW.getTime() - 2 * 3600_000).toISOString() }),
    ]);
    const summary = await reconcile(NOW);
    expect(summary).toMatchObject({ examined: 2, requeued: 0, waiting: 2 });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('sends nothing when an overlapping run counted the re-send first', async () => {
    table([appliedAgo(STALE_AFTER_MS + MIN)]);
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' }));
    const summary = await reconcile(NOW);
    expect(summary).toMatchObject({ requeued: 0, waiting: 1, errors: 0 });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('counts a failed send as an error and goes on with the others', async () => {
    const [a, b] = [appliedAgo(10 * MIN), appliedAgo(9 * MIN)];
    table([a!, b!]);
    sqsMock.on(SendMessageCommand).rejectsOnce(Object.assign(new Error('down'), { name: 'ServiceUnavailable' })).resolves({ MessageId: 'm' });
    const summary = await reconcile(NOW);
    expect(summary).toMatchObject({ examined: 2, requeued: 1, errors: 1 });
  });
});
