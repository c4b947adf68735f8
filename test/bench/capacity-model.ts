/**
 * The capacity report's rows: every limit the peak runs into, with the need at the busiest minute, the limit — read
 * from the SYNTHESIZED TEMPLATE where the stack sets it, from infra/quotas.ts (cited) where AWS does — the headroom
 * (limit ÷ need) and a verdict. Needs come from the peak profile and the measured per-annotation costs
 * (infra/sizing.ts `peakDemand`), recomputed here with the template's own memory sizes and batch sizes, so a template
 * that drifted from the sizing shows up as a bad row.
 */
import type { PeakProfile } from '../../infra/config';
import { QUOTAS, type Quota } from '../../infra/quotas';
import {
  awsWaitMs,
  callsPerInvocation,
  MB_PER_VCPU,
  normalizedCpuMs,
  peakDemand,
  renderContainerThroughput,
  renderAwsMsPerMessage,
  type Demand,
  type MeasuredInputs,
} from '../../infra/sizing';
import { FUNCTIONS } from '../../shared/resources/functions';
import { PENDING_SHARDS } from '../../shared/resources/table';
import { TABLE } from '../../shared/resources/table';

/** A prod row whose headroom is below this fails `test/infra/capacity.test.ts`. */
export const REQUIRED_HEADROOM = 2;

export type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
export interface TemplateJson {
  Resources: Resources;
}

export interface Row {
  /** What is limited. */
  limit: string;
  need: number;
  /** The configured or quota value (same unit as need). */
  value: number;
  unit: string;
  /** Where `value` comes from: `template: <resource/property>` or a quota's documentation URL. */
  source: string;
  /** capacity: value ÷ need must be ≥ REQUIRED_HEADROOM; check: a rule that must hold (value ≥ need). */
  kind: 'capacity' | 'check';
  note?: string;
}

export const headroom = (row: Row): number => (row.need > 0 ? row.value / row.need : Infinity);

export function verdict(row: Row): 'ok' | 'tight' | 'over' | 'fails' {
  const h = headroom(row);
  if (row.kind === 'check') return h >= 1 ? 'ok' : 'fails';
  if (h >= REQUIRED_HEADROOM) return 'ok';
  return h >= 1 ? 'tight' : 'over';
}

const ofType = (json: TemplateJson, type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
/** Where an adjustable quota's figure comes from: AWS's page for the default, the peak profile for a raised one. */
const raisedOrDefault = (value: number, quota: Quota): string =>
  value === quota.value ? quota.source : `peak profile (a raised quota to hold; default ${quota.value.toLocaleString('en')}: ${quota.source})`;

const quotaRow = (limit: string, need: number, quota: Quota, note?: string): Row => ({
  limit,
  need,
  value: quota.value,
  unit: quota.unit,
  source: quota.source,
  kind: 'capacity',
  ...(note ? { note } : {}),
});

/** The template's Lambda functions that the stack built from declarations, by declaration id (their Description). */
function declaredFunctions(json: TemplateJson): Map<string, { logicalId: string; props: Record<string, unknown> }> {
  const out = new Map<string, { logicalId: string; props: Record<string, unknown> }>();
  for (const [logicalId, fn] of ofType(json, 'AWS::Lambda::Function')) {
    const match = /^ecert (\w+) \(/.exec(String(fn.Properties.Description ?? ''));
    if (match) out.set(match[1]!, { logicalId, props: fn.Properties });
  }
  return out;
}

/**
 * How many partition key values the PENDING index spreads its entries over, from the one declaration of the table
 * (shared/resources/table.ts `PENDING_SHARDS`); a declaration without it has the single `PENDING` key: one partition.
 */
export function pendingShardCount(): number {
  return PENDING_SHARDS;
}

export interface CapacityInputs {
  json: TemplateJson;
  /** The us-east-1 stack's template when the web ACL lives there. */
  edgeJson?: TemplateJson;
  peak: PeakProfile;
  measured: MeasuredInputs;
}

export interface Capacity {
  rows: Row[];
  demand: Demand;
}

export function capacityRows({ json, edgeJson, peak, measured }: CapacityInputs): Capacity {
  const fns = declaredFunctions(json);
  const memoryOf = (fnId: string) => fns.get(fnId)?.props.MemorySize as number | undefined;
  const demand = peakDemand(peak, measured, { memoryMb: memoryOf });
  const rows: Row[] = [];
  const templateRow = (limit: string, need: number, value: number, unit: string, source: string, kind: Row['kind'] = 'capacity', note?: string) =>
    rows.push({ limit, need, value, unit, source: `template: ${source}`, kind, ...(note ? { note } : {}) });

  // API Gateway: each route's own throttle, then the account.
  const [stageId, stage] = ofType(json, 'AWS::ApiGatewayV2::Stage')[0] ?? [];
  const settings = (stage?.Properties.RouteSettings ?? {}) as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
  const defaults = stage?.Properties.DefaultRouteSettings as { ThrottlingRateLimit: number } | undefined;
  const routeKeys = new Set([...Object.keys(settings), ...Object.keys(demand.routes)]);
  for (const key of [...routeKeys].sort()) {
    const need = demand.routes[key] ?? 0;
    const own = settings[key];
    const value = own?.ThrottlingRateLimit ?? defaults?.ThrottlingRateLimit ?? 0;
    templateRow(
      `API route throttle ${key}`,
      need,
      value,
      'requests/s',
      own ? `${stageId}.RouteSettings["${key}"].ThrottlingRateLimit` : `${stageId}.DefaultRouteSettings (no route setting!)`,
      'capacity',
      need === 0 ? 'no measured flow reaches it: the floor' : undefined,
    );
  }
  // The account's throttle: AWS's default, or the raised quota the peak profile says the operator holds.
  const accountRate: Quota = {
    ...QUOTAS.httpApiAccountRate,
    value: peak.httpApiAccountRate,
    source: raisedOrDefault(peak.httpApiAccountRate, QUOTAS.httpApiAccountRate),
  };
  rows.push(quotaRow('HTTP API account throttle (all routes)', demand.apiRequestsPerSecond, accountRate));
  const sumOfLimits = Object.values(settings).reduce((s, v) => s + v.ThrottlingRateLimit, 0);
  rows.push({
    ...quotaRow('HTTP API account throttle vs the sum of route limits', sumOfLimits, accountRate),
    kind: 'check',
    note: 'the routes’ limits can only all be used if the account allows their sum',
  });

  // Lambda: account concurrency, the unreserved pool, scaling rates.
  const reserved = [...fns.entries()].reduce((s, [, f]) => s + ((f.props.ReservedConcurrentExecutions as number | undefined) ?? 0), 0);
  const unreservedNeed = Object.entries(demand.functions)
    .filter(([fnId]) => fns.get(fnId)?.props.ReservedConcurrentExecutions === undefined)
    .reduce((s, [, f]) => s + f.concurrency, 0);
  rows.push({
    limit: 'Lambda account concurrency (unreserved need + every reservation)',
    need: unreservedNeed + reserved,
    value: peak.lambdaAccountConcurrency,
    unit: 'concurrent executions',
    source: raisedOrDefault(peak.lambdaAccountConcurrency, QUOTAS.lambdaAccountConcurrency),
    kind: 'capacity',
    note: `reservations ${reserved} (template ReservedConcurrentExecutions)`,
  });
  rows.push({
    limit: 'Lambda unreserved pool left for the API handlers',
    need: Math.max(unreservedNeed, QUOTAS.lambdaUnreservedMinimum.value / REQUIRED_HEADROOM),
    value: peak.lambdaAccountConcurrency - reserved,
    unit: 'concurrent executions',
    source: `${QUOTAS.lambdaUnreservedMinimum.source} (account − template reservations)`,
    kind: 'capacity',
  });
  const [busiestFn, busiest] = Object.entries(demand.functions)
    .filter(([fnId]) => fnId !== FUNCTIONS.render.id)
    .sort((a, b) => b[1].concurrency - a[1].concurrency)[0] ?? ['-', { concurrency: 0 }];
  rows.push(
    quotaRow(`Lambda scaling rate (busiest function: ${busiestFn}, reached within 10 s)`, busiest.concurrency, QUOTAS.lambdaScalingRate),
  );

  // Render: the event source mapping, the fleet's throughput, SQS.
  const render = fns.get(FUNCTIONS.render.id);
  const mapping = ofType(json, 'AWS::Lambda::EventSourceMapping').find(
    ([, m]) => render && (m.Properties.FunctionName as { Ref?: string }).Ref === render.logicalId,
  );
  if (render && mapping) {
    const [mappingId, m] = mapping;
    const maxConcurrency = (m.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? QUOTAS.sqsEventSourceMaxConcurrency.value;
    const batchSize = m.Properties.BatchSize as number;
    const memoryMb = render.props.MemorySize as number;
    const perContainer = renderContainerThroughput({
      memoryMb,
      batchSize,
      renderCpuMs: measured.benchmarks.results.render.extB.signedPdfMs.mean,
      awsMs: renderAwsMsPerMessage(measured.perAnnotation, FUNCTIONS.render.id),
    });
    const reservation = render.props.ReservedConcurrentExecutions as number | undefined;
    templateRow(
      `Render throughput (${maxConcurrency} containers × ${perContainer.toFixed(1)} PDFs/s each)`,
      demand.rendersPerSecond,
      maxConcurrency * perContainer,
      'PDFs/s',
      `${mappingId}.ScalingConfig.MaximumConcurrency, BatchSize ${batchSize}, ${render.logicalId}.MemorySize ${memoryMb}`,
      'capacity',
      `per container: ${batchSize} × signed-PDF CPU ${measured.benchmarks.results.render.extB.signedPdfMs.mean} ms ÷ ${(Math.min(1, memoryMb / MB_PER_VCPU)).toFixed(2)} vCPU + AWS calls ${renderAwsMsPerMessage(measured.perAnnotation, FUNCTIONS.render.id).toFixed(0)} ms overlapping`,
    );
    templateRow(
      'Render event source maximum concurrency ≤ the function’s reservation',
      maxConcurrency,
      reservation ?? Infinity,
      'concurrent batches',
      `${mappingId}.ScalingConfig.MaximumConcurrency vs ${render.logicalId}.ReservedConcurrentExecutions`,
      'check',
      'above it the mapping’s invocations are throttled and messages reach the DLQ unrendered',
    );
    rows.push({
      ...quotaRow(
        'SQS event source scale-up in the first minute (5 + 300 concurrent batches)',
        demand.rendersPerSecond / perContainer,
        { ...QUOTAS.sqsEventSourceScaleUp, value: QUOTAS.sqsEventSourceInitialConcurrency.value + QUOTAS.sqsEventSourceScaleUp.value },
      ),
      note: 'need: containers that carry the peak without headroom; beyond the first minute +300 per minute',
    });
    rows.push(quotaRow('SQS in-flight messages (render queue)', maxConcurrency * batchSize, QUOTAS.sqsInFlight, 'need: every container holding a full batch'));
  }

  // DynamoDB: table and GSIs against their warm throughput (or on-demand's starting point), per-partition hot keys.
  const [tableId, table] = ofType(json, 'AWS::DynamoDB::Table')[0] ?? [];
  if (table) {
    const warm = table.Properties.WarmThroughput as { ReadUnitsPerSecond: number; WriteUnitsPerSecond: number } | undefined;
    const tableLimit = (kind: 'Read' | 'Write', warmValue: number | undefined, initial: Quota, max: Quota) =>
      warmValue !== undefined
        ? { value: Math.min(warmValue, max.value), source: `template: ${tableId}.WarmThroughput.${kind}UnitsPerSecond` }
        : { value: initial.value, source: `${initial.source} (no warm throughput: on-demand's start)` };
    for (const [kind, need, initial, max] of [
      ['Read', demand.dynamodb.table.read, QUOTAS.dynamodbOnDemandInitialRead, QUOTAS.dynamodbTableReadThroughput],
      ['Write', demand.dynamodb.table.write, QUOTAS.dynamodbOnDemandInitialWrite, QUOTAS.dynamodbTableWriteThroughput],
    ] as const) {
      const limit = tableLimit(kind, kind === 'Read' ? warm?.ReadUnitsPerSecond : warm?.WriteUnitsPerSecond, initial, max);
      rows.push({ limit: `DynamoDB table ${kind.toLowerCase()}s at once`, need, ...limit, unit: `${kind.toLowerCase()} units/s`, kind: 'capacity' });
      rows.push(quotaRow(`DynamoDB table ${kind.toLowerCase()} throughput (table quota)`, need, max));
    }
    for (const gsi of (table.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string; WarmThroughput?: { ReadUnitsPerSecond: number; WriteUnitsPerSecond: number } }[]) {
      const need = demand.dynamodb.indexes[gsi.IndexName] ?? { read: 0, write: 0 };
      for (const [kind, n, initial] of [
        ['Read', need.read, QUOTAS.dynamodbOnDemandInitialRead],
        ['Write', need.write, QUOTAS.dynamodbOnDemandInitialWrite],
      ] as const) {
        const warmValue = kind === 'Read' ? gsi.WarmThroughput?.ReadUnitsPerSecond : gsi.WarmThroughput?.WriteUnitsPerSecond;
        rows.push({
          limit: `DynamoDB GSI ${gsi.IndexName} ${kind.toLowerCase()}s at once`,
          need: n,
          value: warmValue ?? initial.value,
          unit: `${kind.toLowerCase()} units/s`,
          source: warmValue !== undefined ? `template: ${tableId}.GlobalSecondaryIndexes[${gsi.IndexName}].WarmThroughput` : initial.source,
          kind: 'capacity',
        });
      }
    }
    const pending = TABLE.indexes.pendingAnnotations.name;
    const shards = pendingShardCount();
    rows.push(
      quotaRow(
        `DynamoDB partition: one ${pending} (PENDING) shard’s writes (${shards} shard${shards === 1 ? '' : 's'})`,
        (demand.dynamodb.indexes[pending]?.write ?? 0) / shards,
        QUOTAS.dynamodbPartitionWrite,
        `every PENDING annotation is written to the index and removed from it; shards from shared/resources/table.ts`,
      ),
    );
  }

  // S3: the annotations/ prefix.
  const prefix = 'annotations/';
  rows.push(quotaRow(`S3 PUT on ${prefix}`, demand.awsCalls['s3 PutObject'] ?? 0, QUOTAS.s3PrefixWrite));
  rows.push(quotaRow(`S3 GET on ${prefix} (presigned downloads)`, demand.s3BrowserGetsPerSecond, QUOTAS.s3PrefixRead));

  // Secrets Manager and KMS: one GetSecretValue per secret per new container; the ramp starts every container needed
  // at the peak within one scaling window (10 s), the worst case.
  let secretsPerSecond = 0;
  for (const [fnId, f] of Object.entries(demand.functions)) {
    const env = ((fns.get(fnId)?.props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const secrets = Object.keys(env).filter((name) => /^ECERT_.*_SECRET$/.test(name)).length;
    const containers = fnId === FUNCTIONS.render.id ? ((render?.props.ReservedConcurrentExecutions as number | undefined) ?? f.concurrency) : f.concurrency;
    secretsPerSecond += (containers * secrets) / 10;
  }
  rows.push(quotaRow('Secrets Manager GetSecretValue (every container started within 10 s)', secretsPerSecond, QUOTAS.secretsManagerGetSecretValue));
  rows.push(
    quotaRow('KMS symmetric requests (each GetSecretValue decrypts with the secret’s key)', secretsPerSecond, QUOTAS.kmsSymmetric, 'S3 (SSE-S3) and SQS (SSE-SQS) call no KMS; DynamoDB caches its table key'),
  );
  const signingKeys = ofType(json, 'AWS::KMS::Key').filter(([, k]) => k.Properties.KeyUsage === 'SIGN_VERIFY');
  if (signingKeys.length > 0) {
    rows.push(quotaRow('KMS asymmetric Sign (bounded by one per PDF; the seal signs once per render container and per CRL)', demand.rendersPerSecond, QUOTAS.kmsAsymmetricSign));
  }

  // The edge: CloudFront and the per-client rule.
  rows.push(
    quotaRow('CloudFront requests (API + the portal’s files, cold cache)', demand.apiRequestsPerSecond + demand.staticRequestsPerSecond, QUOTAS.cloudFrontRequests),
  );
  const acl = [...ofType(json, 'AWS::WAFv2::WebACL'), ...(edgeJson ? ofType(edgeJson, 'AWS::WAFv2::WebACL') : [])][0];
  if (acl) {
    const rule = (acl[1].Properties.Rules as { Name: string; Statement: { RateBasedStatement?: { Limit: number } } }[]).find(
      (r) => r.Statement.RateBasedStatement,
    );
    const holderCalls = Object.values(measured.perAnnotation.perFlow.holder.apiCalls).reduce((s, v) => s + v.max, 0);
    if (rule) {
      templateRow(
        'Per-client rate rule: one holder applying 3 times within 5 minutes (the quota)',
        3 * holderCalls,
        rule.Statement.RateBasedStatement!.Limit,
        'requests per 5 min per IP',
        `${acl[0]}.Rules["${rule.Name}"].RateBasedStatement.Limit`,
        'capacity',
        'many holders behind one NAT share an IP: see docs/capacity.md',
      );
    }
  }
  return { rows, demand };
}

/** Lambda duration of each measured function as modeled (docs/capacity.md shows them). */
export function modeledDurations(measured: MeasuredInputs, memoryOf: (fnId: string) => number | undefined) {
  return Object.entries(measured.perAnnotation.functions).map(([fnId, f]) => {
    const memoryMb = memoryOf(fnId) ?? f.memoryMb;
    const calls = callsPerInvocation(measured.perAnnotation, fnId);
    return { fnId, memoryMb, cpuMs: f.cpuMs.mean, normalizedCpuMs: normalizedCpuMs(measured.perAnnotation, fnId), awsMs: awsWaitMs(calls), localWallMs: f.wallMs.mean, calls };
  });
}
