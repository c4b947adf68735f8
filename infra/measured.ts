import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../shared/repo-root';

/**
 * The measured inputs of the sizing (infra/sizing.ts), the capacity report and the cost model — never retyped:
 * - docs/per-annotation.json, written by `npm run measure:annotation` (test/bench/per-annotation.ts): what one
 *   annotation costs when the portal is driven in a browser on the local stack;
 * - docs/benchmarks.json, written by `npm run bench`: the render benchmark's CPU time per signed PDF.
 */
export const PER_ANNOTATION_FILE = 'docs/per-annotation.json';
export const BENCHMARKS_FILE = 'docs/benchmarks.json';

const summary = z.object({ n: z.number(), min: z.number(), median: z.number(), p99: z.number(), max: z.number(), mean: z.number() });
const spread = z.object({ mean: z.number(), min: z.number(), max: z.number() });
const units = z.object({ read: z.number(), write: z.number() });
export type UnitCounts = z.infer<typeof units>;

/** What one run of a flow costs, mean over the measured runs (min/max where the count can vary). */
const flowSchema = z.object({
  /** API calls by route key (`GET /v1/…`). */
  apiCalls: z.record(z.string(), spread),
  /** Requests for the portal's own files (CloudFront + S3 in the cloud), cold browser cache. */
  staticRequests: spread,
  /** Presigned GETs the browser sent to S3 (downloads). */
  s3BrowserGets: spread,
  /** `<service> <Operation>` → calls; `<function id>|<service> <Operation>` → calls that function made. */
  awsCalls: z.record(z.string(), z.number()),
  /** DynamoDB capacity units (ReturnConsumedCapacity INDEXES): table, each GSI, and by function. */
  dynamodb: z.object({ table: units, indexes: z.record(z.string(), units), byFunction: z.record(z.string(), units) }),
  /** Function id → invocations. */
  invocations: z.record(z.string(), z.number()),
  /** What the functions wrote as structured logs and embedded metrics (INFO, metrics on, as deployed). */
  logs: z.object({ bytes: z.number(), lines: z.number() }),
});
export type FlowCosts = z.infer<typeof flowSchema>;

const perAnnotationSchema = z.object({
  measuredAt: z.string(),
  machine: z.object({ cpu: z.string(), memoryGiB: z.number(), os: z.string(), node: z.string(), loadAverageAtStart: z.string() }),
  source: z.object({ commit: z.string(), dirty: z.boolean() }),
  runs: z.number().int().positive(),
  /**
   * The machine's speed during the measurement: the render benchmark's signed PDF timed again (CPU ms). Handler CPU
   * times are scaled by `factor` = benchmark ÷ now (at most 1), so a measurement on a busier machine compares.
   */
  calibration: z.object({ renderCpuMs: z.number(), benchmarkMs: z.number(), factor: z.number().positive().max(1) }),
  /**
   * holder: log in → list → certificate → apply → READY → download (one annotation);
   * verifier: the QR code's URL opened in a fresh browser (one verification);
   * registration: register → accept the notice (one new account).
   */
  perFlow: z.object({ holder: flowSchema, verifier: flowSchema, registration: flowSchema }),
  /** Per function id: the time of one invocation (all flows). */
  functions: z.record(
    z.string(),
    z.object({ memoryMb: z.number(), recordsPerInvocation: z.number(), wallMs: summary, cpuMs: summary, awsMs: summary }),
  ),
});
export type PerAnnotation = z.infer<typeof perAnnotationSchema>;

const benchmarksSchema = z.object({
  machine: z.object({ date: z.string(), cpu: z.string() }),
  results: z.object({
    render: z.object({ measuredAt: z.string().optional(), extB: z.object({ signedPdfMs: summary, pdfBytes: z.number() }), ordinary: z.object({ signedPdfMs: summary, pdfBytes: z.number() }) }),
  }),
});
export type Benchmarks = z.infer<typeof benchmarksSchema>;

function readJson<T>(file: string, schema: z.ZodType<T>, remedy: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
  } catch (error) {
    throw new Error(`${file} is missing or unreadable (${(error as Error).message}): ${remedy}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} does not have the expected shape (${parsed.error.message}): ${remedy}`);
  return parsed.data;
}

export function readPerAnnotation(): PerAnnotation {
  return readJson(PER_ANNOTATION_FILE, perAnnotationSchema, 'run `npm run measure:annotation`');
}

export function readBenchmarks(): Benchmarks {
  return readJson(BENCHMARKS_FILE, benchmarksSchema, 'run `npm run bench -- render`');
}
