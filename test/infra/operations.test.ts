import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config';
import { OPERATIONS } from '../../shared/resources/operations';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import { logicalId, ofType, synth, type Synthesized } from '../support/synth';

/** Issue 13: the Distributed Map import, the Object Lock audit archive, the dashboard, the stream consumers. */
describe('operations constructs', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  const definition = () => {
    const machine = Object.values(ofType(s.json, 'AWS::StepFunctions::StateMachine'))[0]!;
    const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
    // Tokens (ARNs, bucket names) are CloudFormation functions; the rest is the ASL text.
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
    return JSON.parse(text) as { StartAt: string; States: Record<string, Record<string, unknown>> };
  };

  it('runs the import as a Distributed Map: JSONL item reader, ItemBatcher with the run as BatchInput, Express children, ResultWriter', () => {
    const asl = definition();
    const map = asl.States[asl.StartAt]!;
    expect(map.Type).toBe('Map');
    expect(map.ItemReader).toMatchObject({ ReaderConfig: { InputType: 'JSONL' }, Parameters: { 'Key.$': '$.key' } });
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: OPERATIONS.distributedMap.maxItemsPerBatch,
      MaxInputBytesPerBatch: OPERATIONS.distributedMap.maxInputBytesPerBatch,
      BatchInput: { 'importId.$': '$.importId', 'stamp.$': '$.stamp', 'executionArn.$': '$$.Execution.Id' },
    });
    expect(map.MaxConcurrency).toBe(OPERATIONS.distributedMap.maxConcurrency);
    expect(map.ToleratedFailurePercentage).toBe(OPERATIONS.distributedMap.toleratedFailurePercentage);
    expect(map.ItemProcessor).toMatchObject({ ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } });
    expect(map.ResultWriter).toMatchObject({ Parameters: { Prefix: 'imports/map-results' } });
    expect(map.ResultPath).toBeNull();
    // After the Map: the report; when the Map fails, the report all the same, then the execution fails.
    expect(asl.States[map.Next as string]).toMatchObject({ Type: 'Task' });
    const caught = (map.Catch as Array<{ Next: string; ResultPath: string }>)[0]!;
    expect(caught.ResultPath).toBe('$.mapError');
    expect(asl.States[caught.Next]).toMatchObject({ Type: 'Task', Next: 'ImportFailed' });
  });

  it('logs every state machine event without execution data (batches carry ID numbers) and traces it', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('keeps uploads a week in a private, TLS-only bucket', () => {
    const bucket = s.json.Resources[logicalId(s.stack.bulkImport.bucket)]!.Properties;
    expect(bucket.LifecycleConfiguration).toMatchObject({
      Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: OPERATIONS.importBucket.expirationDays, Status: 'Enabled' })]),
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  });

  it('archives the audit trail in an Object Lock bucket, compliance mode, retention from the configuration', () => {
    const bucket = s.json.Resources[logicalId(s.stack.auditArchive.bucket)]!.Properties;
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: ENVIRONMENTS.dev.auditRetentionDays } },
    });
    const prod = synth({ config: { auditRetentionDays: ENVIRONMENTS.prod.auditRetentionDays } });
    expect(prod.json.Resources[logicalId(prod.stack.auditArchive.bucket)]!.Properties.ObjectLockConfiguration).toMatchObject({
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3653 } },
    });
  });

  it('feeds the audit trail and the report counters from the table stream, filtered, with an on-failure queue', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    const mappings = Object.values(ofType(s.json, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn'),
    );
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings) {
      // The declared window (shared/resources/functions.ts), so the aggregating consumers run once per window at most.
      expect(mapping.Properties).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true, MaximumBatchingWindowInSeconds: 5 });
      expect(mapping.Properties.DestinationConfig).toMatchObject({ OnFailure: { Destination: expect.anything() } });
      expect((mapping.Properties.FilterCriteria as { Filters: unknown[] }).Filters.length).toBeGreaterThan(0);
    }
    const patterns = mappings.flatMap((m) => (m.Properties.FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters.map((f) => JSON.parse(f.Pattern)));
    expect(patterns).toContainEqual({ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'AUDIT#' }] } } } });
    expect(patterns).toContainEqual({ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'CERT#' }] }, sk: { S: [{ prefix: 'ANN#' }] } } } });
  });

  it('has a dashboard with the report figures and a widget for every alarm of the observability construct', () => {
    const dashboards = Object.values(ofType(s.json, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const metric of ['AnnotationsApplied', 'AnnotationsReady', 'AnnotationsFailed', 'ApplyToReady', 'Verifications']) expect(body).toContain(metric);
    expect(body).toContain('p99');
    expect(body).toContain('qualification');
    expect(s.stack.observability.alarms.length).toBeGreaterThan(0);
    for (const alarm of s.stack.observability.alarms) expect(body).toContain(logicalId(alarm));
  });

  it('publishes what the CLI needs as outputs', () => {
    for (const key of ['importBucketName', 'importStateMachineArn', 'auditArchiveBucketName', 'dashboardName'] as const) {
      expect(s.json.Outputs).toHaveProperty(STACK_OUTPUTS[key]);
    }
  });
});
