import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { retryAfterSeconds, windowOpen, type WindowDecision, type WindowState, type WindowedLimit } from '../domain/windowed-limit';
import { keys } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';

/**
 * N events per window (shared/domain/windowed-limit.ts) as DynamoDB conditional writes: an event is counted only if
 * the write's condition holds at that moment, so concurrent requests can never count past the limit, and there is no
 * read before the decision. A closed window is restarted by a conditional write too.
 */
export interface CounterKey {
  /** What is counted (`verify-miss`, `code-send-identity`…). */
  name: string;
  /** Whose count: a certId, a keyed hash of an identity or a source. Never an ID number or an address in clear. */
  subject: string;
}

const MAX_ROUNDS = 3;

/** Counts one event if the limit allows it; otherwise says when the window closes. */
export async function countInWindow(counter: CounterKey, limit: WindowedLimit, now: Date): Promise<WindowDecision> {
  const Key = keys.windowCounter(counter.name, counter.subject);
  const nowMs = now.getTime();
  const cutoff = nowMs - limit.windowSeconds * 1000;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      // A fresh window: nothing counted yet, or the last window is over.
      await ddb().send(
        new UpdateCommand({
          TableName: tableName(),
          Key,
          UpdateExpression: 'SET #count = :one, windowStart = :now, validUntil = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR windowStart <= :cutoff',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':now': nowMs, ':cutoff': cutoff, ':ttl': epochSeconds(now) + limit.windowSeconds + 60 },
        }),
      );
      return { allowed: true, state: { count: 1, windowStart: nowMs } };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      // The open window: one more, if below the limit.
      const out = await ddb().send(
        new UpdateCommand({
          TableName: tableName(),
          Key,
          UpdateExpression: 'ADD #count :one',
          ConditionExpression: 'windowStart > :cutoff AND #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff, ':limit': limit.limit },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { allowed: true, state: stateOf(out.Attributes)! };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Refused — or the window closed between the two writes, and the next round restarts it.
    const state = await peekWindow(counter);
    if (windowOpen(state, limit, nowMs) && state.count >= limit.limit) {
      return { allowed: false, state, retryAfterSeconds: retryAfterSeconds(state, limit, nowMs) };
    }
  }
  throw new Error(`window counter ${counter.name} did not settle in ${MAX_ROUNDS} rounds`);
}

/**
 * Gives back one counted event of the window it was counted in (a verification that matched was not a miss). A
 * window that has since restarted is left alone.
 */
export async function refundInWindow(counter: CounterKey, counted: WindowState): Promise<void> {
  await ddb()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.windowCounter(counter.name, counter.subject),
        UpdateExpression: 'ADD #count :minus',
        ConditionExpression: 'windowStart = :start AND #count > :zero',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minus': -1, ':start': counted.windowStart, ':zero': 0 },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/** The current state (strongly consistent), for decisions that only read: "is this identity under attack?". */
export async function peekWindow(counter: CounterKey): Promise<WindowState | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.windowCounter(counter.name, counter.subject), ConsistentRead: true }),
  );
  return stateOf(out.Item);
}

export async function clearWindow(counter: CounterKey): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.windowCounter(counter.name, counter.subject),
      UpdateExpression: 'SET #count = :zero',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':zero': 0 },
    }),
  ).catch((error) => {
    if (!isConditionFailure(error)) throw error;
  });
}

function stateOf(item: Record<string, unknown> | undefined): WindowState | undefined {
  if (!item || item.count === undefined || item.windowStart === undefined) return undefined;
  return { count: Number(item.count), windowStart: Number(item.windowStart) };
}
