/**
 * Which table changes a stream consumer receives, declared once: the CDK stack renders each filter as a Lambda event
 * filter pattern (FilterCriteria), the local stream poller evaluates the same filter. Only what the consumers need:
 * event names and key prefixes.
 */
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

export interface StreamFilter {
  eventNames: readonly StreamEventName[];
  pkPrefix: string;
  /** The sort key: equal to a string, or starting with a prefix. */
  sk?: string | { prefix: string };
}

/** The Lambda event filter pattern (docs: "Lambda event filtering", DynamoDB keys are typed attribute values). */
export function toFilterPattern(filter: StreamFilter): Record<string, unknown> {
  const keys: Record<string, unknown> = { pk: { S: [{ prefix: filter.pkPrefix }] } };
  if (filter.sk !== undefined) keys.sk = { S: [typeof filter.sk === 'string' ? filter.sk : { prefix: filter.sk.prefix }] };
  return { eventName: [...filter.eventNames], dynamodb: { Keys: keys } };
}

interface KeyedRecord {
  eventName?: string;
  dynamodb?: { Keys?: Record<string, { S?: string } | undefined> };
}

/** The same pattern, evaluated on a stream record (a record passes when any of the filters matches, as in Lambda). */
export function matchesStreamFilters(filters: readonly StreamFilter[], record: KeyedRecord): boolean {
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  return filters.some(
    (filter) =>
      (filter.eventNames as readonly string[]).includes(record.eventName ?? '') &&
      pk !== undefined &&
      pk.startsWith(filter.pkPrefix) &&
      (filter.sk === undefined || (sk !== undefined && (typeof filter.sk === 'string' ? sk === filter.sk : sk.startsWith(filter.sk.prefix)))),
  );
}
