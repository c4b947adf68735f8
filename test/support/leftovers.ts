import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, s3 } from '../../shared/aws/clients';
import { keys } from '../../shared/resources/table';

/**
 * Items the service keeps when test records are removed, by design: none is a record of the test certificate or its
 * holder that `ecert test-data remove` could take back.
 */
export const KEPT_AFTER_REMOVAL = {
  /** The audit trail is append-only (docs/operations.md, "Audit trail"): what the tools did stays recorded. */
  audit: keys.auditPrefix,
  /** The report counters are per hour and qualification, summed over every certificate. */
  stats: 'STATS#',
  /** The seal's service-wide state: the CRL and status-list index reservations (PKI#…), the lists' revocation bits. */
  pki: 'PKI#',
  statusLists: 'STATUSLIST#',
} as const;

const kept = (pk: string): boolean => Object.values(KEPT_AFTER_REMOVAL).some((prefix) => pk.startsWith(prefix));

/** Every table item (`pk sk`) and object in the stack's data bucket, but what the service keeps by design. */
export async function leftovers(target: { tableName: string; bucketName: string }): Promise<{ items: string[]; objects: string[] }> {
  const items: string[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(new ScanCommand({ TableName: target.tableName, ExclusiveStartKey: cursor }));
    for (const item of out.Items ?? []) if (!kept(String(item.pk))) items.push(`${item.pk} ${item.sk}`);
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  const objects = (await s3().send(new ListObjectsV2Command({ Bucket: target.bucketName }))).Contents ?? [];
  return { items: items.sort(), objects: objects.map((o) => o.Key!).sort() };
}
