import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targetOf, UsageError } from '../../cli/common';
import { TargetError, useStackTarget } from '../../shared/target/resolve';
import { ENV } from '../../shared/config/env';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';

/** `--stack`: the CLI finds a deployed system through its CloudFormation outputs (mocked here). */
const cfn = mockClient(CloudFormationClient);
const savedEnv = { ...process.env };

const outputs = (values: Partial<Record<keyof typeof STACK_OUTPUTS, string>>) =>
  Object.entries(values).map(([name, value]) => ({ OutputKey: STACK_OUTPUTS[name as keyof typeof STACK_OUTPUTS], OutputValue: value }));

beforeEach(() => {
  cfn.reset();
  process.env[ENV.localSecretsDir] = '/tmp/left-over-local-secrets';
});
afterEach(() => {
  process.env = { ...savedEnv };
});
afterAll(() => cfn.restore());

describe('useStackTarget', () => {
  it('sets the table, bucket, queues and secret ARNs from the outputs, and drops local secrets', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'Ecert' }).resolves({
      Stacks: [
        {
          StackName: 'Ecert',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: outputs({
            tableName: 'Ecert-Table-1',
            bucketName: 'ecert-documents-1',
            queueUrl: 'https://sqs/q',
            deadLetterQueueUrl: 'https://sqs/dlq',
            idHashKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:id-hash',
            jwtKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:jwt',
            signingKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:signing',
          }),
        },
      ],
    });

    // Act
    const description = await useStackTarget('Ecert', 'eu-west-1');

    // Assess
    expect(description).toBe('stack Ecert (eu-west-1)');
    expect(process.env).toMatchObject({
      AWS_REGION: 'eu-west-1',
      [ENV.tableName]: 'Ecert-Table-1',
      [ENV.bucketName]: 'ecert-documents-1',
      [ENV.queueUrl]: 'https://sqs/q',
      [ENV.deadLetterQueueUrl]: 'https://sqs/dlq',
      [ENV.idHashKeySecret]: 'arn:aws:secretsmanager:eu-west-1:1:secret:id-hash',
      [ENV.jwtKeySecret]: 'arn:aws:secretsmanager:eu-west-1:1:secret:jwt',
      [ENV.signingKeySecret]: 'arn:aws:secretsmanager:eu-west-1:1:secret:signing',
    });
    expect(process.env[ENV.localSecretsDir]).toBeUndefined();
  });

  it('names the outputs a stack lacks', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs({ tableName: 't' }) }],
    });
    await expect(useStackTarget('Other')).rejects.toThrow(/lacks the output\(s\) BucketName, IdHashKeySecretArn/);
  });

  it('turns a missing stack into a TargetError', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(useStackTarget('Nope')).rejects.toThrow(TargetError);
    await expect(useStackTarget('Nope')).rejects.toThrow(/cannot read stack Nope: ValidationError: Stack with id Nope does not exist/);
  });
});

describe('targetOf', () => {
  it('defaults to the local stack and resolves --data-dir', () => {
    expect(targetOf({ 'data-dir': 'some/dir' })).toEqual({ kind: 'local', dataDir: expect.stringMatching(/\/some\/dir$/) });
    expect(targetOf({ stack: 'Ecert', region: 'cn-north-1' })).toEqual({ kind: 'stack', stackName: 'Ecert', region: 'cn-north-1' });
  });

  it('refuses contradictory target options', () => {
    expect(() => targetOf({ stack: 'Ecert', 'data-dir': 'x' })).toThrow(UsageError);
    expect(() => targetOf({ region: 'eu-west-1' })).toThrow(/--region applies only with --stack/);
  });
});
