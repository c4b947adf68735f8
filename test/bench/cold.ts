/**
 * Cold start of the render path as Lambda runs it: the same esbuild bundle (ESM, minified), started in a fresh Node
 * process five times; reports the time from process start to the first signed PDF (module load, font parsing, first
 * render and signature), without the test key generation.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, summarize } from './stats';
import { REPO_ROOT as ROOT } from '../../shared/repo-root';

const out = join(mkdtempSync(join(tmpdir(), 'ecert-cold-')), 'index.mjs');
await build({
  entryPoints: [join(ROOT, 'test/bench/cold-entry.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  outfile: out,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  logLevel: 'error',
});
const init: number[] = [];
const firstPdf: number[] = [];
const total: number[] = [];
for (let i = 0; i < 5; i++) {
  const line = execFileSync(process.execPath, [out], { env: { ...process.env, LAMBDA_TASK_ROOT: ROOT } }).toString().trim();
  const run = JSON.parse(line) as { initMs: number; firstPdfMs: number };
  init.push(run.initMs);
  firstPdf.push(run.firstPdfMs);
  total.push(run.initMs + run.firstPdfMs);
}
report({
  bench: 'cold',
  bundleBytes: statSync(out).size,
  initMs: summarize(init),
  firstPdfMs: summarize(firstPdf),
  coldTotalMs: summarize(total),
});
