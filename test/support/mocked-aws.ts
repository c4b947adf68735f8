import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';

/**
 * Unit tests of the annotation pipeline against mocked SDK clients: the document client and SQS mocked, the table
 * and render queue named in the environment for the file's duration, every mock reset before each test.
 */
export function mockedPipelineAws() {
  const ddbMock = mockClient(DynamoDBDocumentClient);
  const sqsMock = mockClient(SQSClient);
  beforeAll(() => {
    process.env[ENV.tableName] = 'unit-ecert';
    process.env[ENV.queueUrl] = 'https://sqs.local/000000000000/render';
    resetClients();
  });
  afterAll(() => {
    ddbMock.restore();
    sqsMock.restore();
    delete process.env[ENV.tableName];
    delete process.env[ENV.queueUrl];
  });
  beforeEach(() => {
    ddbMock.reset();
    sqsMock.reset();
  });
  return { ddbMock, sqsMock };
}
