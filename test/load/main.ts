/**
 * `npm run load -- --target local | --stack <name>`: the peak mix of API calls (test/load/profile.ts) driven by
 * Artillery against a running system, on test data made beforehand and removed afterwards. Prints p50/p95/p99 and
 * errors per step and writes test-results/load/<run>.json (with --record also docs/load.md's results section).
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { newTestRunId, TEST_RECORD_KINDS } from '../../shared/domain/test-records';
import { REPO_ROOT } from '../../shared/repo-root';
import { ecertOk } from '../smoke/operator-cli';
import { StepRunner } from '../smoke/steps';
import { parseToolArgs, resolveToolTargetOrReport, TARGET_USAGE, ToolUsageError, type ToolTarget } from '../smoke/target';
import { runArtillery } from './artillery';
import { CLEANUP_FILE, prepareLoadData, RUN_SLOTS, waitForRendersToSettle, type PreparedHolder } from './prepare';
import { applyShare, CALLS_PER_ANNOTATION, PROFILE_SOURCE } from './profile';
import { figuresTable, machineDescription, summarizeReport, type LoadFigures } from './report';
import { buildScript, PAYLOAD_FILES } from './script';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DEFAULT_RESULTS_DIR = join(REPO_ROOT, 'test-results/load');
const DOC = join(REPO_ROOT, 'docs/load.md');
export const DOC_MARKERS = { start: '<!-- load-results:start -->', end: '<!-- load-results:end -->' } as const;

const USAGE = `Usage: npm run load -- [--target local | --stack <name>] [options]

Prepares test data (certificates ${TEST_RECORD_KINDS.load.certIdPrefix}… imported with 'ecert import', their holders registered and logged
in, one READY annotation each), runs the Artillery scenarios (login, certificate list and page, annotation list, apply,
poll, download link, verification) in the peak profile's proportions at a constant arrival rate, prints p50/p95/p99
and errors per step, waits for the run's renders to settle and removes the test data with 'ecert test-data remove'.

${TARGET_USAGE}
Options:
  --duration <s>        seconds of steady load (default 60)
  --rate <n>            requests per second, all steps together (default 10)
  --holders <n>         test holders/certificates (default: enough quota slots for the run's applications)
  --concurrency <n>     parallel requests while preparing (default 4)
  --record              also write the figures into docs/load.md (the measured results section)
  --keep                keep the test data (remove later: --cleanup <run folder>)
  --prepare-only        make the test data and the Artillery script, print how to run it (e.g. on AWS), stop
  --cleanup <folder>    only remove the test data of an earlier run (its folder under test-results/load/)
  --verbose             show Artillery's own output
  --out <dir>           where run folders and results go (default test-results/load)

Exit codes: 0 the run completed (its error counts are figures, not failures); 1 preparation, Artillery or the
cleanup failed; 2 usage error or target not found.`;

function positive(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new ToolUsageError(`${name} must be a number above 0 and at most ${max}`);
  return n;
}

/** Enough certificates that every application of the run finds a free quota slot, with a fifth to spare. */
export const holdersFor = (durationSeconds: number, ratePerSecond: number): number =>
  Math.max(10, Math.ceil((durationSeconds * ratePerSecond * applyShare() * 1.2) / RUN_SLOTS.length));

async function cleanup(runner: StepRunner, target: ToolTarget, runDir: string): Promise<void> {
  await runner.step(
    'remove the test data (ecert test-data remove)',
    async () => {
      const { out } = await ecertOk(['test-data', 'remove', '--from', join(runDir, CLEANUP_FILE), '--force', ...target.cliArgs]);
      const removed = out.filter((line) => line.startsWith('removed ')).length;
      return `${removed} certificate(s) with their holders, annotations and PDFs`;
    },
    { always: true },
  );
}

function recordInDoc(doc: string, section: string): string {
  const start = doc.indexOf(DOC_MARKERS.start);
  const end = doc.indexOf(DOC_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`docs/load.md lacks the ${DOC_MARKERS.start} … ${DOC_MARKERS.end} markers`);
  return `${doc.slice(0, start + DOC_MARKERS.start.length)}\n${section}\n${doc.slice(end)}`;
}

function docSection(result: { date: string; machine: string; target: string; options: Record<string, unknown>; figures: LoadFigures }): string {
  const o = result.options;
  return [
    `Measured ${result.date.slice(0, 10)} on ${result.machine}, against the ${result.target}, with`,
    `\`npm run load -- --target local --duration ${o.durationSeconds} --rate ${o.ratePerSecond} --record\`: ${o.holders} test holders,`,
    `${o.durationSeconds} s at ${o.ratePerSecond} requests/s, the mix of ${PROFILE_SOURCE.split(' (')[0]}.`,
    '',
    ...figuresTable(result.figures),
  ].join('\n');
}

async function run(): Promise<number> {
  let values;
  let durationSeconds: number;
  let ratePerSecond: number;
  let holders: number;
  let concurrency: number;
  try {
    ({ values } = parseToolArgs(process.argv.slice(2), {
      duration: { type: 'string' },
      rate: { type: 'string' },
      holders: { type: 'string' },
      concurrency: { type: 'string' },
      record: { type: 'boolean' },
      keep: { type: 'boolean' },
      'prepare-only': { type: 'boolean' },
      cleanup: { type: 'string' },
      verbose: { type: 'boolean' },
      out: { type: 'string' },
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    durationSeconds = positive(values.duration, '--duration', 60, 24 * 3600);
    ratePerSecond = positive(values.rate, '--rate', 10, 100_000);
    holders = Math.ceil(positive(values.holders, '--holders', holdersFor(durationSeconds, ratePerSecond), 99_999));
    concurrency = Math.ceil(positive(values.concurrency, '--concurrency', 4, 64));
  } catch (error) {
    console.error(`load: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  const target = await resolveToolTargetOrReport('load', values);
  if (!target) return 2;
  const runner = new StepRunner((line) => console.log(line));

  if (values.cleanup) {
    await cleanup(runner, target, resolve(values.cleanup));
    return runner.ok ? 0 : 1;
  }

  const runId = newTestRunId();
  const date = new Date().toISOString();
  const runName = `${date.replace(/[:.]/g, '-').slice(0, 19)}-${runId}`;
  const resultsDir = values.out ? resolve(values.out) : DEFAULT_RESULTS_DIR;
  const runDir = join(resultsDir, runName);
  const options = { durationSeconds, ratePerSecond, holders, concurrency };
  console.log(
    `load: ${target.description}, API ${target.apiUrl}; ${holders} test holders, then ${durationSeconds} s at ${ratePerSecond} requests/s; run folder ${relative(REPO_ROOT, runDir)}`,
  );

  let prepared: PreparedHolder[] | undefined;
  let figures: LoadFigures | undefined;
  try {
    prepared = await prepareLoadData(target, { runId, holders, dir: runDir, runner, concurrency });
    const script = join(runDir, 'script.json');
    await runner.step('write the Artillery script', async () => {
      await writeFile(script, `${JSON.stringify(buildScript({ target: target.apiUrl, durationSeconds, ratePerSecond }), null, 2)}\n`);
      await copyFile(join(REPO_ROOT, 'test/load/processor.mjs'), join(runDir, 'processor.mjs'));
      return relative(REPO_ROOT, script);
    });
    if (values['prepare-only']) {
      if (runner.ok) {
        const rel = relative(REPO_ROOT, runDir);
        console.log(`
prepared. Run it here:
  npx artillery run --output ${rel}/report.json ${rel}/script.json
or from AWS (docs/load.md: distributed runs):
  npx artillery run-fargate --region <region> --count <workers> --output ${rel}/report.json ${rel}/script.json
then remove the test data:
  npm run load -- ${target.cliArgs.join(' ')} --cleanup ${rel}
The session tokens in the payload files expire an hour after preparation.`);
      }
      return runner.ok ? 0 : 1;
    }

    const report = join(runDir, 'report.json');
    await runner.step(`artillery run: ${durationSeconds} s at ${ratePerSecond} requests/s`, async () => {
      const code = await runArtillery({
        script,
        report,
        logFile: join(runDir, 'artillery.log'),
        ...(values.verbose ? { echo: (line: string) => console.log(`  artillery | ${line}`) } : {}),
      });
      if (code !== 0) throw new Error(`artillery exited with ${code} (see ${relative(REPO_ROOT, join(runDir, 'artillery.log'))})`);
      figures = summarizeReport(JSON.parse(await readFile(report, 'utf8')));
      return `${figures.total.requests} requests, ${figures.total.failed} not as intended`;
    });
    if (figures) {
      console.log('');
      for (const line of figuresTable(figures)) console.log(line);
      if (figures.steps.some((s) => s.unexpected['429'])) {
        console.log('\n429s are throttling: locally the per-client limit of public routes (login, verify); in the cloud the route throttles or the WAF rule.');
      }
      console.log('');
    }
    if (prepared) {
      await runner.step('wait for the run’s renders to settle', async () => waitForRendersToSettle(target, prepared!, 180_000), {
        always: true,
      });
    }
  } finally {
    if (!values.keep && !values['prepare-only']) await cleanup(runner, target, runDir);
    else if (values.keep) console.log(`kept the test data: npm run load -- ${target.cliArgs.join(' ')} --cleanup ${relative(REPO_ROOT, runDir)}`);
    // The payloads hold session tokens of the test holders: gone with the run unless it is to be run elsewhere.
    if (!values['prepare-only'] && !values.keep) {
      for (const spec of Object.values(PAYLOAD_FILES)) await rm(join(runDir, spec.file), { force: true });
    }
  }

  if (figures) {
    const result = {
      date,
      machine: machineDescription(),
      target: target.spec.kind === 'local' ? 'local stack' : `stack ${target.spec.stackName}`,
      apiUrl: target.apiUrl,
      options,
      profile: { source: PROFILE_SOURCE, callsPerAnnotation: CALLS_PER_ANNOTATION },
      figures,
      steps: runner.results,
    };
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${runName}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results: ${relative(REPO_ROOT, file)}`);
    if (values.record) {
      await writeFile(DOC, recordInDoc(await readFile(DOC, 'utf8'), docSection(result)));
      console.log(`recorded in ${relative(REPO_ROOT, DOC)}`);
    }
  }
  console.log(runner.ok ? `load: done in ${(runner.elapsedMs / 1000).toFixed(0)} s` : 'load: FAILED');
  return runner.ok ? 0 : 1;
}

process.exit(await run());
