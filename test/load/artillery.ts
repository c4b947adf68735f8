import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/repo-root';

/** The Artillery CLI of this repository (2.0.21, the newest that runs on Node 20), on the machine's Node. */
export const ARTILLERY_BIN = join(REPO_ROOT, 'node_modules/.bin/artillery');

/**
 * Runs `artillery run --output <report> <script>` and resolves with its exit code. Artillery's own console output
 * goes to `logFile` (and to `echo` with --verbose); telemetry is off.
 */
export function runArtillery(options: { script: string; report: string; logFile: string; echo?: (line: string) => void }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ARTILLERY_BIN, ['run', '--output', options.report, options.script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(options.logFile);
    let partial = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (!options.echo) return;
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.echo(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      log.end(() => resolve(code ?? 1));
    });
  });
}
