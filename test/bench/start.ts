/**
 * `npm run bench:start`: how long `npm start` takes to be healthy (GET /v1/health answers 200, timed from the spawn of
 * `npm start`), in three situations:
 *
 * - **first start on a fresh machine**: empty font-slice cache, no portal/dist, empty data folder, no tsx transform
 *   cache — and how long the background build then takes to complete the portal's Extension B font;
 * - **first start in another clone** on a machine that has run ecert before: the font cache is warm, the rest fresh;
 * - **restart**: the data folder of the previous start, everything warm.
 *
 * Each run is `npm start` in its own process group, stopped with SIGINT like Ctrl-C. Uses ECERT_BENCH_PORT (default
 * 3600) to ECERT_BENCH_PORT+3, throw-away data folders and font caches, and rebuilds this clone's portal/dist. Prints a
 * table and writes test-results/bench/start.json. Figures are measured, never asserted.
 *   npm run bench:start -- [--runs N] [--fresh-runs N]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/repo-root';
import { PORTAL_DIST_DIR } from '../../portal/build/build';
import { fontSliceCacheDir } from '../../portal/build/font-slices';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('--runs', 5);
const FRESH_RUNS = arg('--fresh-runs', 2);
const BASE_PORT = Number(process.env.ECERT_BENCH_PORT ?? 3600);

interface Run {
  healthyS: number;
  /** What the banner says ("ecert is up in N s"), measured inside the process. */
  bannerS: number;
  /** Fresh machine only: from the spawn until the background build reports the font complete. */
  fontReadyS?: number;
  loadBefore: number;
}

function startOnce(env: NodeJS.ProcessEnv, waitForFont: boolean): Promise<Run> {
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ECERT_PORT: String(BASE_PORT),
      ECERT_DYNAMODB_PORT: String(BASE_PORT + 1),
      ECERT_S3_PORT: String(BASE_PORT + 2),
      ECERT_SQS_PORT: String(BASE_PORT + 3),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seconds = () => (performance.now() - started) / 1000;

  return (async () => {
    let healthyS: number | undefined;
    let fontReadyS: number | undefined;
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    while (exitCode === undefined && seconds() < 600) {
      if (healthyS === undefined) {
        const ok = await fetch(`http://127.0.0.1:${BASE_PORT}/v1/health`).then((r) => r.ok, () => false);
        if (ok) healthyS = seconds();
      }
      if (waitForFont && fontReadyS === undefined && /Extension B font ready/.test(output)) fontReadyS = seconds();
      if (healthyS !== undefined && /ecert is up/.test(output) && (!waitForFont || fontReadyS !== undefined)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const banner = /ecert is up in ([\d.]+) s/.exec(output);
    if (healthyS === undefined || !banner || (waitForFont && fontReadyS === undefined)) {
      throw new Error(`npm start did not come up (exit ${code})\n${output.slice(-3000)}`);
    }
    if (waitForFont && !/Note {7}first start on this machine/.test(output)) throw new Error('the banner did not say the font is being cut');
    return { healthyS, bannerS: Number(banner[1]), ...(fontReadyS !== undefined ? { fontReadyS } : {}), loadBefore };
  })();
}

const work = mkdtempSync(join(tmpdir(), 'ecert-bench-start-'));
// The last fresh-machine run leaves a complete cache for the others; without fresh runs, the user's own cache is used.
const warmCache = FRESH_RUNS > 0 ? join(work, 'cache-warm') : fontSliceCacheDir().replace(/\/portal-fonts$/, '');
const results: Record<string, Run[]> = { freshMachine: [], newClone: [], restart: [] };
try {
  for (let i = 0; i < FRESH_RUNS; i++) {
    rmSync(PORTAL_DIST_DIR, { recursive: true, force: true });
    const cache = i === FRESH_RUNS - 1 ? warmCache : join(work, `cache-${i}`);
    const run = await startOnce(
      { ECERT_CACHE_DIR: cache, ECERT_DATA_DIR: join(work, `fresh-${i}`), TSX_DISABLE_CACHE: '1' },
      true,
    );
    results.freshMachine!.push(run);
    console.log(`fresh machine #${i + 1}: healthy ${run.healthyS.toFixed(1)} s, font complete ${run.fontReadyS!.toFixed(1)} s`);
  }
  for (let i = 0; i < RUNS; i++) {
    rmSync(PORTAL_DIST_DIR, { recursive: true, force: true });
    const run = await startOnce({ ECERT_CACHE_DIR: warmCache, ECERT_DATA_DIR: join(work, `clone-${i}`) }, false);
    results.newClone!.push(run);
    console.log(`new clone #${i + 1}: healthy ${run.healthyS.toFixed(1)} s`);
  }
  // One start to create the data folder, then the restarts measured on it.
  await startOnce({ ECERT_CACHE_DIR: warmCache, ECERT_DATA_DIR: join(work, 'restart') }, false);
  for (let i = 0; i < RUNS; i++) {
    const run = await startOnce({ ECERT_CACHE_DIR: warmCache, ECERT_DATA_DIR: join(work, 'restart') }, false);
    results.restart!.push(run);
    console.log(`restart #${i + 1}: healthy ${run.healthyS.toFixed(1)} s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const summary = (runs: Run[], key: 'healthyS' | 'fontReadyS') => {
  const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
  if (values.length === 0) return 'not measured';
  return `${median(values).toFixed(1)} s (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}, n=${values.length})`;
};
let debian = '?';
try {
  debian = readFileSync('/etc/debian_version', 'utf8').trim();
} catch {
  // not Debian
}
const machine = {
  date: new Date().toISOString(),
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  debian,
  loadBefore: Object.values(results).flat().map((r) => Number(r.loadBefore.toFixed(1))),
};
console.log(`
| situation | to healthy | |
|---|---|---|
| first start on a fresh machine (no font cache, no portal/dist, no data) | ${summary(results.freshMachine!, 'healthyS')} | font complete in the background after ${summary(results.freshMachine!, 'fontReadyS')} |
| first start in another clone (font cache warm) | ${summary(results.newClone!, 'healthyS')} | |
| restart (same data folder) | ${summary(results.restart!, 'healthyS')} | |

${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}, Debian ${machine.debian}, ${machine.date.slice(0, 10)}; 1-min load average before each run: ${machine.loadBefore.join(', ')}`);
mkdirSync(join(REPO_ROOT, 'test-results/bench'), { recursive: true });
writeFileSync(join(REPO_ROOT, 'test-results/bench/start.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
