import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { issueToken, resetTokenKey } from '../../shared/auth/token';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { clearSecretCache, SECRETS } from '../../shared/config/secrets';
import { CURRENT_NOTICE } from '../../shared/domain/notice';
import type { Holder } from '../../shared/repository/holders';
import { keys } from '../../shared/resources/table';
import { contract } from './contract';
import { holderItem, lambdaContext } from './factories';

/**
 * What a handler unit test needs around it: the environment a function gets (table, bucket, secrets in a folder),
 * DynamoDB mocked (aws-sdk-client-mock on the document client every repository uses), real tokens, and `invoke`,
 * which runs a handler on a sample event and checks its answer against the OpenAPI document like the integration
 * tests do.
 */
export const TABLE_NAME = 'unit-ecert';
export const BUCKET_NAME = 'unit-ecert-documents';
export const ID_HASH_KEY = 'unit-id-hash-key';
const JWT_KEY = 'unit-jwt-key-0123456789abcdef0123456789abcdef';

export const ddbMock = mockClient(DynamoDBDocumentClient);

const ENVIRONMENT: Record<string, string> = {
  [ENV.tableName]: TABLE_NAME,
  [ENV.bucketName]: BUCKET_NAME,
  AWS_REGION: 'ap-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAUNITTEST',
  AWS_SECRET_ACCESS_KEY: 'unit-test-secret',
};

let secretsDir: string | undefined;
const saved = new Map<string, string | undefined>();

export async function setUpHandlerEnvironment(): Promise<void> {
  secretsDir = await mkdtemp(join(tmpdir(), 'ecert-unit-secrets-'));
  await writeFile(join(secretsDir, SECRETS.jwtKey.localFile), JWT_KEY);
  await writeFile(join(secretsDir, SECRETS.idHashKey.localFile), ID_HASH_KEY);
  for (const [name, value] of Object.entries({ ...ENVIRONMENT, [ENV.localSecretsDir]: secretsDir })) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  clearSecretCache();
  resetTokenKey();
  resetClients();
}

export async function tearDownHandlerEnvironment(): Promise<void> {
  ddbMock.restore();
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  clearSecretCache();
  resetTokenKey();
  resetClients();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
}

/** A holder DynamoDB knows (their profile answers GetItem), with the current notice accepted unless told otherwise. */
export function storedHolder(holder: Holder, { noticeAccepted = true } = {}): Holder {
  const stored: Holder = noticeAccepted ? { ...holder, noticeVersion: CURRENT_NOTICE.version, noticeAcceptedAt: holder.createdAt } : holder;
  ddbMock.on(GetCommand, { Key: keys.holder(holder.holderId) }).resolves({ Item: holderItem(stored) });
  return stored;
}

export const tokenFor = async (holder: Holder): Promise<string> =>
  (await issueToken({ holderId: holder.holderId, tokenVersion: holder.tokenVersion })).token;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when there is none); already checked against the document's schema. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the members the schema guarantees
  body: any;
}

/** Runs the handler as Lambda would and returns its answer, after checking it against the OpenAPI document. */
export async function invoke(handler: Handler, event: APIGatewayProxyEventV2): Promise<Answer> {
  const result = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const text = result.body ?? '';
  contract().assert({
    method: event.requestContext.http.method,
    path: `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    status: result.statusCode ?? 200,
    headers,
    body: text,
  });
  return { status: result.statusCode ?? 200, headers, body: text ? JSON.parse(text) : undefined };
}
