import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionDecl } from '../../shared/resources/functions';
import { REPO_ROOT } from '../../shared/repo-root';
import type { HandlerLoader, LambdaHandler } from '../handlers';
import { hasCloudAssembly, readCloudAssembly, runtimeMajor, type CloudAssembly } from './cloud-assembly';
import { ContainerPool, type ContainerInfo } from './container-pool';
import { containerEnvironment, type LocalResources } from './environment';
import { findLambdaNode, type LambdaNode } from './node24';

/**
 * `ECERT_HANDLERS=bundles`: every function runs from the esbuild bundle `cdk synth` put in cdk.out — the artifact
 * that deploys — on the Lambda runtime's Node major, with the environment the template gives it, in Lambda-like
 * containers (container-pool.ts). The local runtime calls it like any other HandlerLoader.
 */
export const DEFAULT_BUNDLES_DIR = join(REPO_ROOT, 'cdk.out');
/** Warm containers per function at most; a queue consumer gets as many as its poller runs batches in parallel. */
export const DEFAULT_MAX_CONTAINERS = 2;

export interface BundleLoader {
  load: HandlerLoader;
  assembly: CloudAssembly;
  node: LambdaNode;
  containers(): ContainerInfo[];
  stop(): Promise<void>;
}

/** Runs `npm run synth`'s `cdk synth` into `dir` (it builds the portal first, as the stack needs it). */
export function synthesize(dir: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--output', dir], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve();
      log(output.trim().split('\n').slice(-20).join('\n'));
      reject(new Error(`cdk synth exited with ${code}`));
    });
  });
}

/** The newest modification time under the folders whose code goes into the bundles. */
function newestSource(): Date {
  let newest = statSync(join(REPO_ROOT, 'package-lock.json')).mtimeMs;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['functions', 'shared', 'infra']) walk(join(REPO_ROOT, dir));
  return new Date(newest);
}

export async function bundleHandlerLoader(options: {
  dir: string;
  functions: Record<string, FunctionDecl>;
  resources: () => LocalResources;
  log: (line: string) => void;
  /** Synthesize when `dir` holds no cloud assembly (default true). */
  build?: boolean;
  maxContainers?: (fn: FunctionDecl) => number;
}): Promise<BundleLoader> {
  const { dir, log } = options;
  if (!hasCloudAssembly(dir)) {
    if (options.build === false) throw new Error(`${dir} holds no synthesized stack: run npm run synth`);
    log(`function bundles: none in ${dir}, building them (cdk synth)…`);
    await synthesize(dir, log);
  }
  const assembly = readCloudAssembly(dir, options.functions);
  const missing = Object.values(options.functions).filter((fn) => !assembly.functions.has(fn.id));
  if (missing.length > 0) {
    throw new Error(`${assembly.templateFile} has no function for ${missing.map((fn) => fn.id).join(', ')}: synthesize again (npm run synth)`);
  }
  const runtimes = new Set([...assembly.functions.values()].map((bundle) => bundle.runtime));
  if (runtimes.size !== 1) throw new Error(`the functions use several runtimes (${[...runtimes].join(', ')}); expected one`);
  const node = findLambdaNode(runtimeMajor([...runtimes][0]!));
  if (newestSource() > assembly.synthesizedAt) {
    log(`function bundles: ${dir} is older than the sources — this runs what was synthesized then; npm run synth to rebuild`);
  }

  const pools = new Map<string, ContainerPool>();
  const poolFor = (fn: FunctionDecl): ContainerPool => {
    let pool = pools.get(fn.id);
    if (!pool) {
      const bundle = assembly.functions.get(fn.id);
      if (!bundle) throw new Error(`${fn.id} is not in the synthesized template (${assembly.templateFile})`);
      pool = new ContainerPool({
        bundle,
        nodeBinary: node.path,
        environment: () => containerEnvironment(bundle, assembly, options.resources()),
        maxContainers: options.maxContainers?.(fn) ?? DEFAULT_MAX_CONTAINERS,
        log,
      });
      pools.set(fn.id, pool);
    }
    return pool;
  };
  const load: HandlerLoader = async (fn) => {
    const pool = poolFor(fn);
    const handler: LambdaHandler = (event, context) => pool.invoke(event, context);
    return handler;
  };
  return {
    load,
    assembly,
    node,
    containers: () => [...pools.values()].flatMap((pool) => pool.info),
    stop: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
    },
  };
}
