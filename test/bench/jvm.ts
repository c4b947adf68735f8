/**
 * DynamoDB Local's JVM flags (local/dynamodb-local.ts JVM_FLAGS) against the JVM's defaults: the same mix of requests
 * the annotation pipeline makes (GetItem, two-key BatchGetItem, a two-item TransactWriteItems, a conditional
 * UpdateItem, a PutItem), 8 in flight, on a fresh in-memory emulator per setting; after 1,000, 3,000, 7,000 and 19,000
 * requests: the JVM's own CPU per request (from /proc, Linux only) and requests per second. Time to the first answer
 * as well (the start of npm start waits for it). Prints and reports JSON for run.ts (docs/benchmarks.md).
 */
import { readFileSync } from 'node:fs';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JVM_FLAGS, launchDynamoDb } from '../../local/dynamodb-local';
import { freePort } from '../../local/ports';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../shared/target/local-target';
import { report, round } from './stats';

const PHASES = [1000, 2000, 4000, 12000];
const TABLE = 'bench-jvm';
const PAD = 'x'.repeat(400);

async function measure(flags: readonly string[]) {
  const port = await freePort();
  const launchedAt = performance.now();
  const db = await launchDynamoDb(port, undefined, flags);
  const raw = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(raw);
  for (;;) {
    try {
      await raw.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (performance.now() - launchedAt > 30_000) throw new Error(`DynamoDB Local did not answer: ${db.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const firstAnswerMs = round(performance.now() - launchedAt, 0);
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  const jvmCpuMs = () => {
    const fields = readFileSync(`/proc/${db.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  };
  const key = (i: number, sk: string) => ({ pk: `P${i % 500}`, sk });
  const ops = [
    (i: number) => doc.send(new GetCommand({ TableName: TABLE, Key: key(i, 'A') })),
    (i: number) => doc.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [key(i, 'A'), key(i, 'B')], ConsistentRead: true } } })),
    (i: number) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { ...key(i, 'A'), pad: PAD, n: i } } },
            { Update: { TableName: TABLE, Key: key(i, 'B'), UpdateExpression: 'ADD c :one', ExpressionAttributeValues: { ':one': 1 } } },
          ],
        }),
      ),
    (i: number) =>
      doc.send(new UpdateCommand({ TableName: TABLE, Key: key(i, 'C'), UpdateExpression: 'SET a = if_not_exists(a, :a)', ExpressionAttributeValues: { ':a': i } })),
    (i: number) => doc.send(new PutCommand({ TableName: TABLE, Item: { pk: `V${i}`, sk: 'V', pad: PAD } })),
  ];
  let done = 0;
  const phases = [];
  for (const count of PHASES) {
    const cpu0 = jvmCpuMs();
    const t0 = performance.now();
    const end = done + count;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (done < end) {
          const i = done++;
          await ops[i % ops.length]!(i);
        }
      }),
    );
    phases.push({ after: end, jvmCpuMsPerRequest: round((jvmCpuMs() - cpu0) / count), requestsPerSecond: round(count / ((performance.now() - t0) / 1000), 0) });
  }
  raw.destroy();
  await db.stop();
  return { flags: flags.join(' ') || '(JVM defaults)', firstAnswerMs, phases };
}

const defaults = await measure([]);
const chosen = await measure(JVM_FLAGS);
report({ bench: 'jvm', requestsInFlight: 8, defaults, chosen });
