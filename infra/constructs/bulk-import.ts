import { Duration, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import {
  DefinitionBody,
  DistributedMap,
  Fail,
  ItemBatcher,
  JsonPath,
  LogLevel,
  ResultWriterV2,
  S3JsonLItemReader,
  StateMachine,
  StateMachineType,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { ENV } from '../../shared/config/env';
import { OPERATIONS } from '../../shared/resources/operations';
import { acknowledge } from '../nag';
import type { Functions } from './functions';
import { grantDeclaredAccess, privateBucketProps } from './operations-grants';

export interface BulkImportProps {
  readonly functions: Functions;
  readonly accessLogs: Bucket;
  readonly logRetention: RetentionDays;
}

/**
 * Issue 13 §1: bulk import on a Step Functions Distributed Map (docs/operations.md). The CLI uploads the normalised
 * rows (JSON Lines) to the import bucket and starts an execution with `{importId, key, stamp}`; the Map reads the
 * object with the JSONL item reader, hands batches (ItemBatcher, with the run's id and operator stamp as BatchInput)
 * to the import Lambda in Express child workflows, and the report Lambda sums the batches — also when the Map failed.
 */
export class BulkImport extends Construct {
  readonly bucket: Bucket;
  readonly stateMachine: StateMachine;
  readonly map: DistributedMap;

  constructor(scope: Construct, id: string, props: BulkImportProps) {
    super(scope, id);
    // ResultWriterV2 renders only under this feature flag; set for this construct only, not the whole app.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const settings = OPERATIONS.distributedMap;
    this.bucket = new Bucket(this, 'Imports', {
      ...privateBucketProps(props.accessLogs, 'imports/'),
      lifecycleRules: [
        // Uploads hold ID numbers: kept only as long as a run and its report are of use.
        { id: 'expire-imports', expiration: Duration.days(OPERATIONS.importBucket.expirationDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const prefix = OPERATIONS.importBucket.prefix;
    grantDeclaredAccess(props.functions, this.bucket, prefix, ENV.importBucketName, {
      'imports:read': { actions: ['s3:GetObject'], list: true },
      'imports:write': { actions: ['s3:PutObject'] },
    });

    const batch = new LambdaInvoke(this, 'ImportBatch', {
      lambdaFunction: props.functions.get('importBatch'),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    // A batch whose writes the table refused (throttling that outlasted the SDK's retries, an outage) runs again:
    // the upsert is idempotent per line.
    batch.addRetry({ errors: ['ImportTargetError', 'States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });

    this.map = new DistributedMap(this, 'ImportRows', {
      itemReader: new S3JsonLItemReader({ bucket: this.bucket, key: JsonPath.stringAt('$.key') }),
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: settings.maxItemsPerBatch,
        maxInputBytesPerBatch: settings.maxInputBytesPerBatch,
        batchInput: { 'importId.$': '$.importId', 'stamp.$': '$.stamp', 'executionArn.$': '$$.Execution.Id' },
      }),
      maxConcurrency: settings.maxConcurrency,
      toleratedFailurePercentage: settings.toleratedFailurePercentage,
      // Child results (counts only; bad lines are in the batch objects) go to S3, not into the execution's payload.
      resultWriterV2: new ResultWriterV2({ bucket: this.bucket, prefix: `${prefix}map-results` }),
      resultPath: JsonPath.DISCARD,
      // Child workflows of one Lambda task each: Express (billed per request and duration, not per transition).
      mapExecutionType: StateMachineType.EXPRESS,
    });
    this.map.itemProcessor(batch);

    const reportPayload = { importId: JsonPath.stringAt('$.importId'), stamp: JsonPath.objectAt('$.stamp'), executionArn: JsonPath.stringAt('$$.Execution.Id') };
    const report = new LambdaInvoke(this, 'ImportReport', {
      lambdaFunction: props.functions.get('importReport'),
      payload: TaskInput.fromObject(reportPayload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const reportAfterFailure = new LambdaInvoke(this, 'ImportReportAfterFailure', {
      lambdaFunction: props.functions.get('importReport'),
      payload: TaskInput.fromObject({ ...reportPayload, mapError: JsonPath.objectAt('$.mapError') }),
      payloadResponseOnly: true,
      resultPath: JsonPath.DISCARD,
      retryOnServiceExceptions: true,
    }).next(new Fail(this, 'ImportFailed', { error: 'ImportFailed', cause: 'more batches failed than the run tolerates; see the report' }));
    this.map.addCatch(reportAfterFailure, { resultPath: '$.mapError' });

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(this.map.next(report)),
      timeout: Duration.hours(24),
      tracingEnabled: true,
      // Every event, but never the data: batch inputs are import rows, which carry ID numbers.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    // The ResultWriter's objects (Step Functions writes them with multipart uploads).
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.bucket.arnForObjects(`${prefix}map-results/*`)],
      }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as never);
    const machineId = Stack.of(this).getLogicalId(this.stateMachine.node.defaultChild as never);
    // cdk-nag prints the stack's own Region and account when they are known (an environment-bound stack).
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const executions = `arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}`;
    const findings: Array<[string, string]> = [
      ['AwsSolutions-IAM5[Resource::*]', 'CloudWatch Logs delivery (logs:*LogDelivery, resource policies) and X-Ray tracing are granted by CDK on "*": these actions have no resource-level permissions.'],
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${bucketId}>/*]`, 'The JSONL item reader reads the upload whose key is the execution input (one per run, imports/<importId>/rows.jsonl), so CDK grants s3:GetObject on the objects of the import bucket, which holds nothing else.'],
      [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}map-results/*]`, 'The ResultWriter writes per map run under imports/map-results/<mapRunId>/ (keys made by Step Functions): PutObject and its multipart actions on that prefix only.'],
      [`AwsSolutions-IAM5[Resource::${executions}:*]`, 'The Distributed Map describes and stops its own child executions, whose names Step Functions generates: CDK scopes it to executions of this state machine.'],
      [`AwsSolutions-IAM5[Resource::${executions}/*:*]`, 'Redrive of the Distributed Map\'s own map-run child executions (names generated by Step Functions), scoped by CDK to this state machine.'],
      ...['importBatch', 'importReport'].map((fnKey): [string, string] => [
        `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.functions.get(fnKey).node.defaultChild as never)}.Arn>:*]`,
        'CDK grants lambda:InvokeFunction on the function and its versions (`:*`) so the task may invoke a qualified ARN; both are this stack\'s import functions.',
      ]),
    ];
    for (const [finding, reason] of findings) acknowledge(this.stateMachine, finding, reason);
  }
}
