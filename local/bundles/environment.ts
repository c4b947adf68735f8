import { ENV } from '../../shared/config/env';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import { LOCAL_REGION, localAwsEnvironment, type LocalTarget } from '../../shared/target/local-target';
import { resolveEnvironment, type CloudAssembly, type FunctionBundle, type LocalOutputValues } from './cloud-assembly';

/**
 * The whole environment of a local container: what Lambda sets for every function (task root, handler, names, memory,
 * region, credentials), the function's own variables from the template with their references resolved to the local
 * resources, and the local runtime's part — the emulator endpoints and the secrets folder the secret ARNs stand for.
 * Nothing is inherited from the process that starts it (no NODE_OPTIONS, no tsx loader, no AWS profile).
 */
export interface LocalResources {
  target: Pick<LocalTarget, 'endpoints' | 'tableName' | 'bucketName' | 'queueUrl' | 'deadLetterQueueUrl' | 'secretsDir' | 'importBucketName' | 'auditBucketName'>;
  apiUrl: string;
  /** What the portal's CloudFront URL stands for locally: the runtime's public base URL. */
  publicBaseUrl: string;
}

/** Local stand-ins for the secrets' ARNs: never called (the secrets folder answers), but shaped like ARNs. */
const localSecretArn = (name: string) => `arn:aws:secretsmanager:${LOCAL_REGION}:000000000000:secret:ecert-local-${name}`;

/** Settings of the host process that the containers follow: log level and metrics, as `npm start` sets them. */
const PASSED_THROUGH = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'] as const;

export function containerEnvironment(
  bundle: FunctionBundle,
  assembly: Pick<CloudAssembly, 'outputs'>,
  resources: LocalResources,
): Record<string, string> {
  const { target } = resources;
  const outputs: LocalOutputValues = {
    [STACK_OUTPUTS.apiUrl]: resources.apiUrl,
    [STACK_OUTPUTS.portalUrl]: resources.publicBaseUrl,
    [STACK_OUTPUTS.tableName]: target.tableName,
    [STACK_OUTPUTS.bucketName]: target.bucketName,
    [STACK_OUTPUTS.queueUrl]: target.queueUrl,
    [STACK_OUTPUTS.deadLetterQueueUrl]: target.deadLetterQueueUrl,
    [STACK_OUTPUTS.idHashKeySecretArn]: localSecretArn('id-hash-key'),
    [STACK_OUTPUTS.jwtKeySecretArn]: localSecretArn('jwt-key'),
    [STACK_OUTPUTS.signingKeySecretArn]: localSecretArn('signing-key'),
    [STACK_OUTPUTS.importBucketName]: target.importBucketName ?? '',
    [STACK_OUTPUTS.auditArchiveBucketName]: target.auditBucketName ?? '',
    // Locally the CLI plays the Distributed Map and there is no dashboard: stand-ins no function calls.
    [STACK_OUTPUTS.importStateMachineArn]: `arn:aws:states:${LOCAL_REGION}:000000000000:stateMachine:ecert-local-import`,
    [STACK_OUTPUTS.dashboardName]: 'ecert-local',
  };
  const functionName = `ecert-local-${bundle.fnId}`;
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
  return {
    // Lambda's own variables (the ones the runtime and the SDK read).
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: bundle.taskRoot,
    _HANDLER: bundle.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${bundle.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(bundle.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    // The local runtime's part: emulators instead of the AWS endpoints (with the local region and credentials), files
    // instead of Secrets Manager, no X-Ray daemon to send traces to.
    ...localAwsEnvironment(target.endpoints),
    [ENV.localSecretsDir]: target.secretsDir,
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...passed,
    // The function's variables as the template gives them: what the template says wins…
    ...resolveEnvironment(bundle, assembly, outputs),
    // …except the time-stamping authority, an internet service the template names: locally the runtime's own TSA on
    // loopback answers instead (local/seal-services.ts), as it does for the functions run from their modules.
    ...(bundle.environment[ENV.tsaUrl] !== undefined && process.env[ENV.tsaUrl] ? { [ENV.tsaUrl]: process.env[ENV.tsaUrl] } : {}),
  };
}
