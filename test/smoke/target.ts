import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import { DEFAULT_DATA_DIR, readLocalTarget } from '../../shared/target/local-target';
import { readStackOutputs, TargetError, useTarget, type TargetSpec } from '../../shared/target/resolve';

/**
 * The system an operator tool (`npm run smoke`, `npm run load`) works against, named the way the CLI names it: the
 * local stack (`--target local`, its data folder) or a deployed stack (`--stack <name>`). The tools reach the holder
 * API over HTTP like any client, and make and remove their test records through the operator CLI with the same
 * target options.
 */
export interface ToolTarget {
  spec: TargetSpec;
  /** Origin of the holder API (`/v1/...` below it). */
  apiUrl: string;
  /** The target as operator CLI options, e.g. ['--stack', 'Ecert']. */
  cliArgs: string[];
  description: string;
}

export const TARGET_USAGE = `Target (one of):
  --target local         the local stack started with 'npm start' (default)
    --data-dir <dir>     its data folder (default: $ECERT_DATA_DIR or .local-data)
  --stack <name>         a deployed stack, found through its CloudFormation outputs with your AWS credentials
    --region <region>    its region (default: your AWS configuration's)
  --api-url <url>        reach the API here instead (e.g. a custom domain); records still go through the target`;

export const TARGET_ARG_OPTIONS = {
  target: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string' },
  'api-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export class ToolUsageError extends Error {
  override name = 'ToolUsageError';
}

type TargetValues = { target?: string; stack?: string; region?: string; 'data-dir'?: string; 'api-url'?: string };

export function targetSpecOf(values: TargetValues): TargetSpec {
  if (values.stack !== undefined) {
    if (values.target !== undefined) throw new ToolUsageError('--stack and --target exclude each other');
    if (values['data-dir'] !== undefined) throw new ToolUsageError('--data-dir applies only to --target local');
    if (!values.stack.trim()) throw new ToolUsageError('--stack needs a stack name');
    return { kind: 'stack', stackName: values.stack.trim(), ...(values.region ? { region: values.region } : {}) };
  }
  if (values.target !== undefined && values.target !== 'local') {
    throw new ToolUsageError(`--target takes 'local' (a deployed stack is --stack <name>), not '${values.target}'`);
  }
  if (values.region !== undefined) throw new ToolUsageError('--region applies only with --stack');
  return { kind: 'local', dataDir: values['data-dir'] !== undefined ? resolve(values['data-dir']) : DEFAULT_DATA_DIR };
}

export const cliArgsOf = (spec: TargetSpec): string[] =>
  spec.kind === 'local'
    ? ['--data-dir', spec.dataDir]
    : ['--stack', spec.stackName, ...(spec.region ? ['--region', spec.region] : [])];

/** Finds the API of the target: the local runtime file, or the stack's PortalUrl (CloudFront, /v1 on the same origin). */
export async function resolveToolTarget(values: TargetValues): Promise<ToolTarget> {
  const spec = targetSpecOf(values);
  const description = await useTarget(spec);
  let apiUrl = values['api-url'];
  if (!apiUrl) {
    if (spec.kind === 'local') {
      apiUrl = (await readLocalTarget(spec.dataDir)).apiUrl;
    } else {
      // Holders reach the API through the distribution (WAF and all); ApiUrl only when a stack has no portal.
      const outputs = await readStackOutputs(spec.stackName);
      apiUrl = outputs.get(STACK_OUTPUTS.portalUrl) ?? outputs.get(STACK_OUTPUTS.apiUrl);
      if (!apiUrl) throw new TargetError(`stack ${spec.stackName} has neither ${STACK_OUTPUTS.portalUrl} nor ${STACK_OUTPUTS.apiUrl}`);
    }
  }
  return { spec, apiUrl: apiUrl.replace(/\/+$/, ''), cliArgs: cliArgsOf(spec), description };
}

/**
 * resolveToolTarget for a tool's main: a usage error or a target that cannot be found is printed (prefixed with the
 * tool's name) and answered with undefined — the tool then exits 2; anything else is a bug and propagates.
 */
export async function resolveToolTargetOrReport(tool: string, values: TargetValues): Promise<ToolTarget | undefined> {
  try {
    return await resolveToolTarget(values);
  } catch (error) {
    if (error instanceof ToolUsageError || error instanceof TargetError) {
      console.error(`${tool}: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

/** parseArgs with the target options and a tool's own; unknown options are usage errors. */
export function parseToolArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], own: O) {
  try {
    return parseArgs({ args, options: { ...TARGET_ARG_OPTIONS, ...own }, allowPositionals: false, strict: true });
  } catch (error) {
    throw new ToolUsageError((error as Error).message);
  }
}
