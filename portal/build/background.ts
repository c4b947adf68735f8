import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/repo-root';

export interface BackgroundBuild {
  /** Resolves true once portal/dist holds the complete build, false if the build failed or was stopped. */
  done: Promise<boolean>;
  stop(): void;
}

/**
 * A full portal build (`npm run build:portal`: it cuts the font slices the cache lacks, then swaps the complete
 * portal/dist in) in a child process at the lowest CPU priority, so the API and the render workers that share the
 * machine's cores keep answering while it runs. What it prints goes to `log`.
 */
export function completePortalInBackground(log: (line: string) => void): BackgroundBuild {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'portal/build/main.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    if (child.pid) setPriority(child.pid, 19);
  } catch {
    // Not permitted here: it still runs, only at normal priority.
  }
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const lines = output.split('\n');
    output = lines.pop()!;
    for (const line of lines) if (line.trim()) log(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let stopped = false;
  const done = new Promise<boolean>((resolve) => {
    child.once('error', (error) => {
      log(`portal: background build could not start — ${error.message}`);
      resolve(false);
    });
    child.once('exit', (code) => {
      if (output.trim()) log(output.trim());
      if (code !== 0 && !stopped) log(`portal: background build failed (exit ${code}); npm run build:portal shows why`);
      resolve(code === 0);
    });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      child.kill('SIGTERM');
    },
  };
}
