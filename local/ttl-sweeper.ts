import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../shared/resources/table';

/**
 * DynamoDB Local records a TTL setting but never deletes. This sweeper does what the service would: delete items
 * whose TTL attribute (epoch seconds) has passed. Reads never rely on it (R6): it is housekeeping only.
 */
export async function sweepExpired(client: DynamoDBDocumentClient, tableName: string, nowSeconds: number): Promise<number> {
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':now': nowSeconds },
        ProjectionExpression: '#pk, #sk',
        ExclusiveStartKey: startKey,
      }),
    );
    startKey = page.LastEvaluatedKey;
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (requests.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
        deleted += requests.length - unprocessed.length;
        requests = unprocessed as typeof requests;
      }
    }
  } while (startKey);
  return deleted;
}
