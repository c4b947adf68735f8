import { spawn } from 'node:child_process';
import { REPO_ROOT } from './processes';

/** One run of the operator CLI as an operator runs it: a child process, stdout and stderr kept apart. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run ecert -- <args>` (the same entry, without npm) in a clean environment: nothing may leak in from the
 * test process (no AWS target, no ECERT_* settings); the CLI must find everything through its own options.
 */
export function runCli(args: string[]): Promise<CliRun> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('ECERT_')),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
