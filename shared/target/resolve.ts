import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { cloudFormation, resetClients } from '../aws/clients';
import { ENV } from '../config/env';
import { clearSecretCache } from '../config/secrets';
import { STACK_OUTPUTS } from '../resources/outputs';
import { localAwsEnvironment, localResourceEnvironment, readLocalTarget } from './local-target';

/**
 * Points this process at a system before the first AWS client is built: the local stack (its runtime file in the
 * data folder) or a deployed stack (its CloudFormation outputs). Everything downstream reads only the environment,
 * exactly as a Lambda function would.
 */
export class TargetError extends Error {
  override name = 'TargetError';
}

export type TargetSpec = { kind: 'local'; dataDir: string } | { kind: 'stack'; stackName: string; region?: string };

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still running.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetClients();
  clearSecretCache();
}

/** Returns a one-line description of the target for messages. */
export async function useTarget(spec: TargetSpec): Promise<string> {
  return spec.kind === 'local' ? useLocalTarget(spec.dataDir) : useStackTarget(spec.stackName, spec.region);
}

export async function useLocalTarget(dataDir: string): Promise<string> {
  let target;
  try {
    target = await readLocalTarget(dataDir);
  } catch (error) {
    throw new TargetError((error as Error).message);
  }
  if (typeof target.pid === 'number' && !isRunning(target.pid)) {
    throw new TargetError(`the local stack in ${dataDir} is not running (pid ${target.pid} is gone): start it with 'npm start'`);
  }
  setEnv({
    ...localAwsEnvironment(target.endpoints),
    // An operator's own session must not leak into requests to the emulators.
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    ...localResourceEnvironment(target),
    // Locally the CLI itself plays the Distributed Map (local/distributed-map.ts): there is no state machine.
    [ENV.importStateMachineArn]: undefined,
  });
  return `local stack (${dataDir})`;
}

/** A deployed stack's CloudFormation outputs by key (STACK_OUTPUTS), with the caller's AWS configuration. */
export async function readStackOutputs(stackName: string): Promise<Map<string, string>> {
  try {
    const out = await cloudFormation().send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new TargetError(`stack ${stackName} was not found`);
    return new Map((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (error) {
    if (error instanceof TargetError) throw error;
    const e = error as { name?: string; message?: string };
    throw new TargetError(`cannot read stack ${stackName}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`);
  }
}

export async function useStackTarget(stackName: string, region?: string): Promise<string> {
  setEnv({
    ...(region ? { AWS_REGION: region } : {}),
    // A deployed stack keeps its secrets in Secrets Manager, never in a local folder.
    [ENV.localSecretsDir]: undefined,
  });
  const outputs = await readStackOutputs(stackName);
  const required = [STACK_OUTPUTS.tableName, STACK_OUTPUTS.bucketName, STACK_OUTPUTS.idHashKeySecretArn];
  const missing = required.filter((key) => !outputs.has(key));
  if (missing.length) {
    throw new TargetError(`stack ${stackName} lacks the output(s) ${missing.join(', ')}: is it an ecert stack, fully deployed?`);
  }
  setEnv({
    [ENV.tableName]: outputs.get(STACK_OUTPUTS.tableName),
    [ENV.bucketName]: outputs.get(STACK_OUTPUTS.bucketName),
    [ENV.queueUrl]: outputs.get(STACK_OUTPUTS.queueUrl),
    [ENV.deadLetterQueueUrl]: outputs.get(STACK_OUTPUTS.deadLetterQueueUrl),
    [ENV.idHashKeySecret]: outputs.get(STACK_OUTPUTS.idHashKeySecretArn),
    [ENV.jwtKeySecret]: outputs.get(STACK_OUTPUTS.jwtKeySecretArn),
    [ENV.signingKeySecret]: outputs.get(STACK_OUTPUTS.signingKeySecretArn),
    [ENV.importBucketName]: outputs.get(STACK_OUTPUTS.importBucketName),
    [ENV.importStateMachineArn]: outputs.get(STACK_OUTPUTS.importStateMachineArn),
    [ENV.auditBucketName]: outputs.get(STACK_OUTPUTS.auditArchiveBucketName),
  });
  return `stack ${stackName}${process.env.AWS_REGION ? ` (${process.env.AWS_REGION})` : ''}`;
}
