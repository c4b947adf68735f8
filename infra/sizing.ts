import { FUNCTIONS, type FunctionDecl } from '../shared/resources/functions';
import { QUEUES } from '../shared/resources/queues';
import { ROUTES, type RouteDecl } from '../shared/resources/routes';
import type { PeakProfile, Throttle } from './config';
import { readBenchmarks, readPerAnnotation, type Benchmarks, type PerAnnotation, type UnitCounts } from './measured';
import { latencyOf, QUOTAS } from './quotas';

/**
 * The peak profile (infra/config.ts) × what one annotation costs (measured: infra/measured.ts) = the demand at the
 * busiest minute, and from it the stack's sizing: per-route throttles, render concurrency, table warm throughput and
 * the thresholds of the alarms that depend on them. The stack is built from `sizeStack`; `npm run capacity` recomputes
 * `peakDemand` and checks it against what the synthesized template says (docs/capacity.md).
 */

/** Lambda allocates CPU in proportion to memory: 1,769 MB is one full vCPU. */
export const MB_PER_VCPU = 1769;

/** Requests per second at the busiest minute for something that happens `perDay` times on the day. */
export const busiestMinuteRate = (perDay: number, peak: PeakProfile) =>
  ((perDay * peak.firstHourShare) / 3600) * peak.busiestMinuteFactor;

export type FlowName = keyof PerAnnotation['perFlow'];

export interface Demand {
  annotationsPerSecond: number;
  verificationsPerSecond: number;
  registrationsPerSecond: number;
  /** Flows per second at the busiest minute: every measured cost is multiplied by these. */
  flowsPerSecond: Record<FlowName, number>;
  /** Route key (`GET /v1/…`) → requests per second. */
  routes: Record<string, number>;
  apiRequestsPerSecond: number;
  /** Requests for the portal's own files (CloudFront + S3 origin), cold browser cache. */
  staticRequestsPerSecond: number;
  rendersPerSecond: number;
  /** Function id → invocations per second and concurrent executions (rate × modeled duration). */
  functions: Record<string, { perSecond: number; durationMs: number; concurrency: number }>;
  dynamodb: { table: UnitCounts; indexes: Record<string, UnitCounts> };
  /** `<service> <Operation>` → calls per second. */
  awsCalls: Record<string, number>;
  s3BrowserGetsPerSecond: number;
}

/**
 * AWS calls one invocation of a function makes (`<service> <Operation>` → calls), from the measured flows: each
 * flow's calls by that function over its invocations.
 */
export function callsPerInvocation(measured: PerAnnotation, fnId: string): Record<string, number> {
  const calls: Record<string, number> = {};
  let invocations = 0;
  for (const flow of Object.values(measured.perFlow)) {
    invocations += flow.invocations[fnId] ?? 0;
    for (const [key, n] of Object.entries(flow.awsCalls)) {
      const [fn, call] = key.split('|');
      if (fn === fnId && call) calls[call] = (calls[call] ?? 0) + n;
    }
  }
  return Object.fromEntries(Object.entries(calls).map(([call, n]) => [call, invocations > 0 ? n / invocations : 0]));
}

/** Time one invocation waits on AWS at the planning latencies (calls assumed sequential). */
export const awsWaitMs = (calls: Record<string, number>) =>
  Object.entries(calls).reduce((sum, [call, n]) => sum + n * latencyOf(call), 0);

/** A handler's CPU time per invocation as measured, scaled to the render benchmark's machine state (calibration). */
export const normalizedCpuMs = (measured: PerAnnotation, fnId: string): number =>
  (measured.functions[fnId]?.cpuMs.mean ?? 0) * measured.calibration.factor;

/**
 * Modeled Lambda duration of one invocation: the handler's CPU time as measured (emulators in another process,
 * normalized by the calibration), stretched by the function's share of a vCPU, plus its AWS calls at the planning
 * latencies (infra/quotas.ts). The local wall time is not used: the emulators share a loaded 2-core machine and answer
 * far slower than AWS.
 */
export function modeledDurationMs(measured: PerAnnotation, fnId: string, memoryMb: number): number {
  if (!measured.functions[fnId]) return 0;
  const vcpu = Math.min(1, memoryMb / MB_PER_VCPU);
  return normalizedCpuMs(measured, fnId) / vcpu + awsWaitMs(callsPerInvocation(measured, fnId));
}

/**
 * Messages per second one render container handles when the queue is backed up (batches are full): the batch's
 * records are processed in parallel (Powertools BatchProcessor), so their AWS round trips overlap while the CPU work
 * (the render benchmark's signed-PDF time, stretched by the vCPU share) adds up.
 */
export function renderContainerThroughput(options: { memoryMb: number; batchSize: number; renderCpuMs: number; awsMs: number }): number {
  const vcpu = Math.min(1, options.memoryMb / MB_PER_VCPU);
  const batchMs = options.batchSize * (options.renderCpuMs / vcpu) + options.awsMs;
  return (options.batchSize / batchMs) * 1000;
}

/** AWS wait of one render message: its calls per message at the planning latencies. */
export function renderAwsMsPerMessage(measured: PerAnnotation, fnId: string): number {
  const records = measured.functions[fnId]?.recordsPerInvocation || 1;
  return awsWaitMs(callsPerInvocation(measured, fnId)) / records;
}

export interface MeasuredInputs {
  perAnnotation: PerAnnotation;
  benchmarks: Benchmarks;
}

export const readMeasuredInputs = (): MeasuredInputs => ({ perAnnotation: readPerAnnotation(), benchmarks: readBenchmarks() });

const declById = (functions: Readonly<Record<string, FunctionDecl>>) =>
  new Map(Object.values(functions).map((decl) => [decl.id, decl]));

export function peakDemand(
  peak: PeakProfile,
  inputs: MeasuredInputs = readMeasuredInputs(),
  declarations: { functions?: Readonly<Record<string, FunctionDecl>>; memoryMb?: (fnId: string) => number | undefined } = {},
): Demand {
  const measured = inputs.perAnnotation;
  const functions = declarations.functions ?? FUNCTIONS;
  const annotationsPerSecond = busiestMinuteRate(peak.annotationsPerDay, peak);
  const verificationsPerSecond = busiestMinuteRate(peak.verificationsPerDay, peak);
  const registrationsPerSecond = busiestMinuteRate(peak.registrationsPerDay, peak);
  const flowsPerSecond: Record<FlowName, number> = {
    holder: annotationsPerSecond,
    verifier: verificationsPerSecond,
    registration: registrationsPerSecond,
  };
  const flows = Object.entries(measured.perFlow) as [FlowName, PerAnnotation['perFlow'][FlowName]][];
  const sum = (pick: (flow: PerAnnotation['perFlow'][FlowName]) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [name, flow] of flows) {
      for (const [key, value] of Object.entries(pick(flow))) out[key] = (out[key] ?? 0) + value * flowsPerSecond[name];
    }
    return out;
  };
  const routes = sum((flow) => Object.fromEntries(Object.entries(flow.apiCalls).map(([k, v]) => [k, v.mean])));
  const invocations = sum((flow) => flow.invocations);
  const units = (pick: (flow: PerAnnotation['perFlow'][FlowName]) => Record<string, UnitCounts>) => {
    const out: Record<string, UnitCounts> = {};
    for (const [name, flow] of flows) {
      for (const [key, value] of Object.entries(pick(flow))) {
        const entry = (out[key] ??= { read: 0, write: 0 });
        entry.read += value.read * flowsPerSecond[name];
        entry.write += value.write * flowsPerSecond[name];
      }
    }
    return out;
  };
  const byId = declById(functions);
  const fnDemand: Demand['functions'] = {};
  for (const [fnId, perSecond] of Object.entries(invocations)) {
    const timing = measured.functions[fnId];
    const memoryMb = declarations.memoryMb?.(fnId) ?? byId.get(fnId)?.memoryMb ?? timing?.memoryMb;
    if (!timing || memoryMb === undefined) continue;
    const durationMs = modeledDurationMs(measured, fnId, memoryMb);
    fnDemand[fnId] = { perSecond, durationMs, concurrency: (perSecond * durationMs) / 1000 };
  }
  const render = measured.functions[FUNCTIONS.render.id];
  const rendersPerSecond = (invocations[FUNCTIONS.render.id] ?? 0) * (render?.recordsPerInvocation ?? 1);
  return {
    annotationsPerSecond,
    verificationsPerSecond,
    registrationsPerSecond,
    flowsPerSecond,
    routes,
    apiRequestsPerSecond: Object.values(routes).reduce((a, b) => a + b, 0),
    staticRequestsPerSecond: flows.reduce((s, [name, flow]) => s + flow.staticRequests.mean * flowsPerSecond[name], 0),
    rendersPerSecond,
    functions: fnDemand,
    dynamodb: { table: units((flow) => ({ table: flow.dynamodb.table })).table ?? { read: 0, write: 0 }, indexes: units((flow) => flow.dynamodb.indexes) },
    awsCalls: sum((flow) => flow.awsCalls),
    s3BrowserGetsPerSecond: flows.reduce((s, [name, flow]) => s + flow.s3BrowserGets.mean * flowsPerSecond[name], 0),
  };
}

export interface Sizing {
  demand: Demand;
  /** Stage default route settings: what a route without its own settings would get (every declared route has them). */
  stageThrottle: Throttle;
  /** Route key → throttle, for every route of the route table and `$default`. */
  routeThrottles: Record<string, Throttle>;
  render: { reservedConcurrency: number; maxConcurrency: number; perContainerPerSecond: number };
  /** Table and GSI warm throughput (units per second), when the environment pre-warms. */
  warmThroughput?: { table: UnitCounts; indexes: Record<string, UnitCounts> };
  /** Render batch duration (ms, p99) above which the configured render fleet can no longer carry the peak. */
  renderDurationAlarmMs: number;
  /** Requests per 5 minutes per client IP (WAF rate-based rule). */
  perClientRequestsPer5Minutes: number;
}

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;

export function routeThrottle(needPerSecond: number, peak: PeakProfile): Throttle {
  const rateLimit = Math.max(peak.routeFloor.rateLimit, ceilTo(needPerSecond * peak.sizingHeadroom, 10));
  // Two seconds of the limit as bucket, within the account's burst quota.
  const burstLimit = Math.min(QUOTAS.httpApiAccountBurst.value, Math.max(peak.routeFloor.burstLimit, 2 * rateLimit));
  return { rateLimit, burstLimit };
}

export function sizeStack(
  env: { peak: PeakProfile; warmThroughput: boolean },
  options: {
    inputs?: MeasuredInputs;
    functions?: Readonly<Record<string, FunctionDecl>>;
    routes?: readonly RouteDecl[];
  } = {},
): Sizing {
  const { peak } = env;
  const inputs = options.inputs ?? readMeasuredInputs();
  const functions = options.functions ?? FUNCTIONS;
  const demand = peakDemand(peak, inputs, { functions });
  const routeThrottles: Record<string, Throttle> = {};
  for (const route of options.routes ?? ROUTES) {
    const key = `${route.method} ${route.path}`;
    routeThrottles[key] = routeThrottle(demand.routes[key] ?? 0, peak);
  }
  routeThrottles.$default = { ...peak.routeFloor };

  const renderDecl = functions.render ?? FUNCTIONS.render;
  const batchSize = renderDecl.trigger?.type === 'queue' ? renderDecl.trigger.batchSize : QUEUES.annotations.batchSize;
  const perContainerPerSecond = renderContainerThroughput({
    memoryMb: renderDecl.memoryMb,
    batchSize,
    renderCpuMs: inputs.benchmarks.results.render.extB.signedPdfMs.mean,
    awsMs: renderAwsMsPerMessage(inputs.perAnnotation, renderDecl.id),
  });
  // The event source mapping's maximum concurrency is 2 … 1,000 (docs/capacity.md cites it).
  const reservedConcurrency = Math.min(
    QUOTAS.sqsEventSourceMaxConcurrency.value,
    Math.max(2, Math.ceil((demand.rendersPerSecond * peak.sizingHeadroom) / perContainerPerSecond)),
  );
  const maxConcurrency = reservedConcurrency;

  const warm = (need: UnitCounts): UnitCounts => ({
    read: Math.max(QUOTAS.dynamodbOnDemandInitialRead.value, ceilTo(need.read * peak.sizingHeadroom, 100)),
    write: Math.max(QUOTAS.dynamodbOnDemandInitialWrite.value, ceilTo(need.write * peak.sizingHeadroom, 100)),
  });
  const warmThroughput = env.warmThroughput
    ? {
        table: warm(demand.dynamodb.table),
        indexes: Object.fromEntries(Object.entries(demand.dynamodb.indexes).map(([name, need]) => [name, warm(need)])),
      }
    : undefined;

  const renderTimeoutMs = renderDecl.timeoutSeconds * 1000;
  const carryingMs = demand.rendersPerSecond > 0 ? ((maxConcurrency * batchSize) / demand.rendersPerSecond) * 1000 : renderTimeoutMs;
  return {
    demand,
    stageThrottle: { ...peak.routeFloor },
    routeThrottles,
    render: { reservedConcurrency, maxConcurrency, perContainerPerSecond },
    ...(warmThroughput ? { warmThroughput } : {}),
    renderDurationAlarmMs: Math.round(Math.min(carryingMs, 0.8 * renderTimeoutMs)),
    perClientRequestsPer5Minutes: peak.perClientRequestsPer5Minutes,
  };
}
