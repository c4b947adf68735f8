import { createHash } from 'node:crypto';
import { BatchGetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { addCounters, bucketOf, emptyCounters, type Counters } from '../domain/report';
import { keys, TABLE } from '../resources/table';
import { tableName } from './dynamo';
import type { Item } from './item-codec';

/**
 * Report counters (docs/operations.md, "Reports"): one item per (China day, hour, qualification) under STATS#<day>,
 * with numbers added atomically (ADD). The stream consumer adds a whole batch's transitions in one transaction per
 * ≤ 100 buckets, with a client request token made from the batch's sequence numbers, so a retried batch (within
 * DynamoDB's 10-minute idempotency window) is not counted twice. Verifications add one per answer.
 */
export interface BucketKey {
  day: string;
  hour: string;
  qualificationCode: string;
}

const bucketId = (b: BucketKey) => `${b.day}|${b.hour}|${b.qualificationCode}`;

function addExpression(counters: Counters): { expression: string; values: Record<string, number>; names: Record<string, string> } {
  const parts: string[] = [];
  const values: Record<string, number> = {};
  const names: Record<string, string> = {};
  for (const name of ['applied', 'ready', 'failed', 'verified', 'verifiedValid'] as const) {
    if (counters[name] > 0) {
      parts.push(`#${name} :${name}`);
      names[`#${name}`] = name;
      values[`:${name}`] = counters[name];
    }
  }
  for (const [bin, n] of Object.entries(counters.latency)) {
    parts.push(`#h${bin} :h${bin}`);
    names[`#h${bin}`] = `h${bin}`;
    values[`:h${bin}`] = n;
  }
  return { expression: `ADD ${parts.join(', ')}`, values, names };
}

export class CounterBatch {
  private readonly buckets = new Map<string, { key: BucketKey; counters: Counters }>();

  add(key: BucketKey, change: (counters: Counters) => void): void {
    const id = bucketId(key);
    let entry = this.buckets.get(id);
    if (!entry) {
      entry = { key, counters: emptyCounters() };
      this.buckets.set(id, entry);
    }
    change(entry.counters);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Writes every bucket; `token` identifies the stream batch (retries of the same batch are not counted twice). */
  async flush(token: string): Promise<void> {
    const entries = [...this.buckets.values()];
    for (let start = 0; start < entries.length; start += 100) {
      const chunk = entries.slice(start, start + 100);
      await ddb().send(
        new TransactWriteCommand({
          ClientRequestToken: createHash('sha256').update(`${token}#${start}`).digest('hex').slice(0, 36),
          TransactItems: chunk.map(({ key, counters }) => {
            const { expression, values, names } = addExpression(counters);
            return {
              Update: {
                TableName: tableName(),
                Key: keys.stats(key.day, key.hour, key.qualificationCode),
                UpdateExpression: expression,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            };
          }),
        }),
      );
    }
  }
}

/** One verification answer (public 查验), counted in the hour it was given. */
export async function countVerification(qualificationCode: string, valid: boolean, at: Date = new Date()): Promise<void> {
  const { day, hour } = bucketOf(at.toISOString());
  const counters = { ...emptyCounters(), verified: 1, verifiedValid: valid ? 1 : 0 };
  const { expression, values, names } = addExpression(counters);
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.stats(day, hour, qualificationCode),
      UpdateExpression: expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** Qualification codes of certificates (the annotation items do not carry them); one BatchGetItem per 100. */
export async function qualificationsOf(certIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const table = tableName();
  for (let start = 0; start < certIds.length; start += 100) {
    let pending: Array<Record<string, unknown>> = certIds.slice(start, start + 100).map((certId) => keys.certificate(certId));
    for (let attempt = 0; pending.length > 0 && attempt < 8; attempt++) {
      const out = await ddb().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ProjectionExpression: 'certId, qualificationCode' } } }),
      );
      for (const item of out.Responses?.[table] ?? []) found.set(String(item.certId), String(item.qualificationCode));
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return found;
}

function toCounters(item: Item): Counters {
  const counters = emptyCounters();
  for (const name of ['applied', 'ready', 'failed', 'verified', 'verifiedValid'] as const) counters[name] = Number(item[name] ?? 0);
  for (const [attribute, value] of Object.entries(item)) {
    const bin = /^h(\d+)$/.exec(attribute)?.[1];
    if (bin !== undefined) counters.latency[Number(bin)] = Number(value);
  }
  return counters;
}

/** Counters of the given China days (and hours within the first/last day), per qualification. One Query per day. */
export async function readCounters(days: string[], hours: { firstDayFrom?: string; lastDayTo?: string } = {}): Promise<Map<string, Counters>> {
  const perQualification = new Map<string, Counters>();
  const readDay = async (day: string, index: number) => {
    let cursor: Record<string, unknown> | undefined;
    do {
      const out = await ddb().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          ExpressionAttributeValues: { ':pk': keys.statsPartition(day) },
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of out.Items ?? []) {
        const [hour, qualificationCode] = String(item[TABLE.sortKey]).split('#') as [string, string];
        if (index === 0 && hours.firstDayFrom && hour < hours.firstDayFrom) continue;
        if (index === days.length - 1 && hours.lastDayTo && hour > hours.lastDayTo) continue;
        const into = perQualification.get(qualificationCode) ?? emptyCounters();
        perQualification.set(qualificationCode, addCounters(into, toCounters(item)));
      }
      cursor = out.LastEvaluatedKey;
    } while (cursor);
  };
  for (let start = 0; start < days.length; start += 8) {
    await Promise.all(days.slice(start, start + 8).map((day, i) => readDay(day, start + i)));
  }
  return perQualification;
}

