import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { keys } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';

/**
 * Proof-of-work solutions are single use: the first request that presents one records its challenge id on the
 * condition that it is not recorded yet; a replay fails that condition.
 */
export async function markChallengeUsed(challengeId: string, expiresAt: Date): Promise<boolean> {
  try {
    await ddb().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.usedChallenge(challengeId), validUntil: epochSeconds(expiresAt) + 60 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
