import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FunctionDecl } from '../../shared/resources/functions';
import { DEFAULT_STACK_NAME, type STACK_OUTPUTS } from '../../shared/resources/outputs';

/**
 * What `cdk synth` wrote into cdk.out, read the way CloudFormation and Lambda would use it: per declared function its
 * bundle folder (the asset the template's Code points at), handler, runtime and environment — the environment with
 * CloudFormation references still in it, to be resolved against the local resources (`resolveEnvironment`).
 */
export class CloudAssemblyError extends Error {
  override name = 'CloudAssemblyError';
}

export interface FunctionBundle {
  fnId: string;
  logicalId: string;
  /** Absolute path of the bundle folder: LAMBDA_TASK_ROOT. */
  taskRoot: string;
  /** e.g. `index.handler`. */
  handler: string;
  /** e.g. `nodejs24.x`. */
  runtime: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Environment variables as the template gives them (strings or CloudFormation intrinsics). */
  environment: Record<string, unknown>;
}

export interface CloudAssembly {
  dir: string;
  stackName: string;
  templateFile: string;
  /** When the template was written (to warn about bundles older than the sources). */
  synthesizedAt: Date;
  /** Output key → the template's value (an intrinsic), to recognise what a function's variable refers to. */
  outputs: Record<string, unknown>;
  functions: Map<string, FunctionBundle>;
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** True when `dir` holds a synthesized cloud assembly at all. */
export const hasCloudAssembly = (dir: string): boolean => existsSync(join(dir, 'manifest.json'));

export function readCloudAssembly(dir: string, declarations: Record<string, FunctionDecl>): CloudAssembly {
  if (!hasCloudAssembly(dir)) throw new CloudAssemblyError(`${dir} holds no cloud assembly (manifest.json): run npm run synth`);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const chosen = stacks.length === 1 ? stacks[0] : stacks.find(([name]) => name === DEFAULT_STACK_NAME);
  if (!chosen?.[1].properties?.templateFile) {
    throw new CloudAssemblyError(`${dir}: expected one stack (or ${DEFAULT_STACK_NAME}), found ${stacks.map(([n]) => n).join(', ') || 'none'}`);
  }
  const [stackName, artifact] = chosen;
  const templateFile = join(dir, artifact.properties!.templateFile!);
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
    Resources: Record<string, TemplateResource>;
    Outputs?: Record<string, { Value: unknown }>;
  };

  const byPath = new Map<string, [string, TemplateResource]>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const path = resource.Metadata?.['aws:cdk:path'];
    if (typeof path === 'string') byPath.set(path, [logicalId, resource]);
  }
  const functions = new Map<string, FunctionBundle>();
  for (const decl of Object.values(declarations)) {
    // infra/constructs/functions.ts builds each declaration as <stack>/Functions/<id>/Function.
    const found = byPath.get(`${stackName}/Functions/${decl.id}/Function/Resource`);
    if (!found) continue;
    const [logicalId, resource] = found;
    const asset = resource.Metadata?.['aws:asset:path'];
    const props = resource.Properties ?? {};
    if (typeof asset !== 'string' || resource.Metadata?.['aws:asset:is-bundled'] === false) {
      throw new CloudAssemblyError(`${decl.id}: the template's function has no bundled asset (synthesized with bundling off?)`);
    }
    functions.set(decl.id, {
      fnId: decl.id,
      logicalId,
      taskRoot: join(dir, asset),
      handler: String(props.Handler),
      runtime: String(props.Runtime),
      memoryMb: Number(props.MemorySize ?? decl.memoryMb),
      timeoutSeconds: Number(props.Timeout ?? decl.timeoutSeconds),
      environment: ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
        string,
        unknown
      >,
    });
  }
  return {
    dir,
    stackName,
    templateFile,
    synthesizedAt: statSync(templateFile).mtime,
    outputs: Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([key, output]) => [key, output.Value])),
    functions,
  };
}

/** The local stand-in of each stack output a function's environment can refer to. */
export type LocalOutputValues = Record<(typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS], string>;

/**
 * The template's environment of one function with every CloudFormation reference replaced by the local resource it
 * names. A reference is recognised by the stack output with the same value (TableName is `{Ref: <table>}`, and so is
 * the function's ECERT_TABLE_NAME); a reference no output explains is an error, never silently dropped.
 */
export function resolveEnvironment(
  bundle: FunctionBundle,
  assembly: Pick<CloudAssembly, 'outputs'>,
  local: LocalOutputValues,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(bundle.environment)) {
    if (typeof value === 'string') {
      resolved[name] = value;
      continue;
    }
    const output = Object.entries(assembly.outputs).find(([, outputValue]) => isDeepStrictEqual(outputValue, value))?.[0];
    const localValue = output !== undefined ? local[output as keyof LocalOutputValues] : undefined;
    if (localValue === undefined) {
      throw new CloudAssemblyError(
        `${bundle.fnId}: the template sets ${name} to ${JSON.stringify(value)}, which no local resource stands in for`,
      );
    }
    resolved[name] = localValue;
  }
  return resolved;
}

/** The Node major a Lambda runtime name means: `nodejs24.x` → 24. */
export function runtimeMajor(runtime: string): number {
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
  if (!Number.isInteger(major)) throw new CloudAssemblyError(`runtime ${runtime} is not a Node.js Lambda runtime`);
  return major;
}
