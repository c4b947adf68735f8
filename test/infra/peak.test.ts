import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config';
import { withConcurrency, XRAY_WRITE_ACTIONS, type Functions } from '../../infra/constructs/functions';
import { EcertHttpApi } from '../../infra/constructs/http-api';
import { PER_CLIENT_RULE, RATE_WINDOW_SECONDS } from '../../infra/constructs/edge-web-acl';
import {
  API_THROTTLED_METRIC,
  API_THROTTLED_PERCENT_ALARM,
  DEAD_LETTER_AGE_ALARM_SECONDS,
  RENDER_QUEUE_AGE_ALARM_SECONDS,
} from '../../infra/constructs/observability';
import { routeThrottle } from '../../infra/sizing';
import { QUOTAS } from '../../infra/quotas';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import { ROUTES } from '../../shared/resources/routes';
import { TABLE } from '../../shared/resources/table';
import { logicalId, ofType, PROD_EXAMPLE, statementsOfRole, synth, synthProd, type Synthesized } from '../support/synth';

/**
 * The stack as the peak profile sizes it (issue 10): render concurrency (defect 1), per-route throttles (2), alarms
 * and tracing (5), the edge in prod — disabled execute-api endpoint, custom origin domain, web ACL (6) — and warm
 * throughput (8). Each value in the template is checked against what infra/sizing.ts derives from the profile.
 */
const SYNTH_TIMEOUT = 240_000;
let prod: Synthesized;
let dev: Synthesized;
beforeAll(() => {
  prod = synthProd();
  dev = synth();
}, SYNTH_TIMEOUT);

const routeKeys = [...ROUTES.map((r) => `${r.method} ${r.path}`), '$default'];
const dlqConsumers = Object.values(FUNCTIONS as Record<string, FunctionDecl>).filter(
  (f) => f.trigger?.type === 'queue' && f.trigger.queue === 'deadLetter',
);

describe('defect 1: the render trigger keeps to its reservation', () => {
  const mappings = (s: Synthesized) =>
    // SQS mappings only: a stream mapping (the audit trail, the report counters) has no maximum concurrency.
    Object.values(ofType(s.json, 'AWS::Lambda::EventSourceMapping'))
      .filter((m) => m.Properties.StartingPosition === undefined)
      .map((m) => {
      const fnId = (m.Properties.FunctionName as { Ref: string }).Ref;
      return {
        fnId,
        maximum: (m.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        reserved: s.json.Resources[fnId]!.Properties.ReservedConcurrentExecutions as number | undefined,
      };
    });

  it('gives every SQS event source a maximum concurrency of 2 … 1,000, at or below its function’s reservation', () => {
    for (const s of [prod, dev]) {
      const found = mappings(s);
      expect(found.length).toBe(Object.values(FUNCTIONS as Record<string, FunctionDecl>).filter((f) => f.trigger?.type === 'queue').length);
      for (const { fnId, maximum, reserved } of found) {
        expect(maximum, fnId).toBeGreaterThanOrEqual(2);
        expect(maximum, fnId).toBeLessThanOrEqual(QUOTAS.sqsEventSourceMaxConcurrency.value);
        if (reserved !== undefined) expect(maximum, fnId).toBeLessThanOrEqual(reserved);
      }
    }
  });

  it('sizes the render reservation from the profile: peak renders × headroom ÷ one container’s measured throughput', () => {
    for (const [s, env] of [[prod, ENVIRONMENTS.prod], [dev, ENVIRONMENTS.dev]] as const) {
      const { render, demand } = s.stack.sizing;
      const fn = s.json.Resources[logicalId(s.stack.functions.get('render'))]!;
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(render.reservedConcurrency);
      const mapping = mappings(s).find((m) => m.fnId === logicalId(s.stack.functions.get('render')))!;
      expect(mapping.maximum).toBe(render.maxConcurrency);
      const needed = Math.max(2, Math.ceil((demand.rendersPerSecond * env.peak.sizingHeadroom) / render.perContainerPerSecond));
      expect(render.reservedConcurrency).toBe(needed);
      // With that many containers the fleet carries the peak with at least twice what it needs.
      expect((render.maxConcurrency * render.perContainerPerSecond) / demand.rendersPerSecond).toBeGreaterThanOrEqual(2);
    }
    expect(prod.stack.sizing.demand.rendersPerSecond).toBeCloseTo(333.33, 1);
  });

  it('refuses an event source whose maximum concurrency exceeds the reservation', () => {
    expect(() => withConcurrency(FUNCTIONS.render, { reservedConcurrency: 10, maxConcurrency: 11 })).toThrow(/exceeds the reserved/);
    expect(() => withConcurrency(FUNCTIONS.render, { reservedConcurrency: 10, maxConcurrency: 1 })).toThrow(/2 to 1,000/);
    expect(() => withConcurrency(FUNCTIONS.health, { reservedConcurrency: 10, maxConcurrency: 5 })).toThrow(/queue consumers/);
    expect(withConcurrency(FUNCTIONS.render, { reservedConcurrency: 10, maxConcurrency: 10 }).trigger).toMatchObject({ maxConcurrency: 10 });
  });
});

describe('defect 2: every route has its own throttle, sized from the profile', () => {
  const routeSettings = (s: Synthesized) => {
    const [stage] = Object.values(ofType(s.json, 'AWS::ApiGatewayV2::Stage'));
    return stage!.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
  };

  it('writes RouteSettings for exactly the declared routes and $default', () => {
    for (const s of [prod, dev]) expect(Object.keys(routeSettings(s)).sort()).toEqual([...routeKeys].sort());
  });

  it('sets each route to its peak need × headroom (at least the floor, burst two seconds of it)', () => {
    for (const [s, env] of [[prod, ENVIRONMENTS.prod], [dev, ENVIRONMENTS.dev]] as const) {
      const settings = routeSettings(s);
      for (const key of routeKeys) {
        const need = s.stack.sizing.demand.routes[key] ?? 0;
        const expected = key === '$default' ? env.peak.routeFloor : routeThrottle(need, env.peak);
        expect(settings[key], key).toEqual({ ThrottlingRateLimit: expected.rateLimit, ThrottlingBurstLimit: expected.burstLimit });
        expect(settings[key]!.ThrottlingRateLimit, key).toBeGreaterThanOrEqual(Math.max(env.peak.routeFloor.rateLimit, 2 * need));
        expect(settings[key]!.ThrottlingBurstLimit, key).toBeLessThanOrEqual(QUOTAS.httpApiAccountBurst.value);
      }
    }
  });

  it('gives the routes the measured flows reach limits apart from the others (applications cannot be crowded out)', () => {
    const settings = routeSettings(prod);
    const apply = settings['POST /v1/certificates/{certId}/annotations']!;
    expect(apply.ThrottlingRateLimit).toBeGreaterThanOrEqual(2 * prod.stack.sizing.demand.annotationsPerSecond);
    expect(settings['GET /v1/health']).toEqual({
      ThrottlingRateLimit: ENVIRONMENTS.prod.peak.routeFloor.rateLimit,
      ThrottlingBurstLimit: ENVIRONMENTS.prod.peak.routeFloor.burstLimit,
    });
  });

  it('creates the stage after every route its settings name', () => {
    const [stage] = Object.values(ofType(prod.json, 'AWS::ApiGatewayV2::Stage'));
    const routeIds = Object.keys(ofType(prod.json, 'AWS::ApiGatewayV2::Route'));
    expect(routeIds).toHaveLength(routeKeys.length);
    for (const id of routeIds) expect(stage!.DependsOn as string[], id).toContain(id);
  });

  it('refuses a route without a sized throttle, and a throttle for a route that does not exist', () => {
    const stack = new Stack(new App(), 'Probe');
    const fn = new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('x') });
    const functions = { get: () => fn, declarations: new Proxy({}, { get: () => ({ id: 'Fn' }) }) } as unknown as Functions;
    const route = ROUTES[0]!;
    const floor = ENVIRONMENTS.dev.peak.routeFloor;
    const build = (id: string, routeThrottles: Record<string, typeof floor>) =>
      new EcertHttpApi(stack, id, { functions, routes: [route], routeThrottles, stageThrottle: floor, executeApiEndpoint: true, logRetention: 30 });
    expect(() => build('Missing', { $default: floor })).toThrow(/no throttle sized for route\(s\) GET \/v1\/health/);
    expect(() => build('Unknown', { $default: floor, [`${route.method} ${route.path}`]: floor, 'GET /nope': floor })).toThrow(/undeclared/);
    expect(() => build('Exact', { $default: floor, [`${route.method} ${route.path}`]: floor })).not.toThrow();
  });
});

interface AlarmShape {
  metric?: { namespace: string; name: string; stat: string; period: number; dimensions: string[] };
  expression?: string;
  metrics?: Record<string, { namespace: string; name: string; stat: string; period: number }>;
  threshold: number;
}

/** An alarm's properties as (metric, statistic, period, threshold), metric-math alarms with each metric they use. */
function shapeOf(alarm: Record<string, unknown>): AlarmShape {
  const comparison = alarm.ComparisonOperator;
  expect(comparison).toBe('GreaterThanThreshold');
  expect(alarm.EvaluationPeriods).toBe(1);
  if (alarm.Metrics) {
    const metrics = alarm.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string }; Period: number; Stat: string } }[];
    return {
      expression: metrics.find((m) => m.Expression)!.Expression!,
      metrics: Object.fromEntries(
        metrics
          .filter((m) => m.MetricStat)
          .map((m) => [
            m.Id,
            { namespace: m.MetricStat!.Metric.Namespace, name: m.MetricStat!.Metric.MetricName, stat: m.MetricStat!.Stat, period: m.MetricStat!.Period },
          ]),
      ),
      threshold: alarm.Threshold as number,
    };
  }
  return {
    metric: {
      namespace: alarm.Namespace as string,
      name: alarm.MetricName as string,
      stat: (alarm.ExtendedStatistic ?? alarm.Statistic) as string,
      period: alarm.Period as number,
      dimensions: ((alarm.Dimensions as { Name: string }[]) ?? []).map((d) => d.Name).sort(),
    },
    threshold: alarm.Threshold as number,
  };
}

describe('defect 5: alarms on what matters, tracing on every function', () => {
  const alarm = (s: Synthesized, id: string) => {
    const construct = s.stack.observability.alarmsById[id];
    expect(construct, id).toBeDefined();
    return shapeOf(s.json.Resources[logicalId(construct!)]!.Properties);
  };
  const metric = (namespace: string, name: string, stat: string, period: number, dimensions: string[]) => ({
    namespace,
    name,
    stat,
    period,
    dimensions: [...dimensions].sort(),
  });
  /** A metric-math alarm: its expression and, per id, (namespace, metric, statistic, period) of each metric it uses. */
  const math = (expression: string, metrics: Record<string, [string, string, string, number]>, threshold: number) => ({
    expression,
    metrics: Object.fromEntries(Object.entries(metrics).map(([id, [namespace, name, stat, period]]) => [id, { namespace, name, stat, period }])),
    threshold,
  });

  it('alarms when dead letters arrive — waiting, sent to the DLQ, or taken by a consumer — and, with a consumer, when they stay', () => {
    expect(alarm(prod, 'DeadLettersArrived')).toEqual(
      math(
        'visible + sent + received',
        {
          visible: ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 60],
          sent: ['AWS/SQS', 'NumberOfMessagesSent', 'Sum', 60],
          received: ['AWS/SQS', 'NumberOfMessagesReceived', 'Sum', 60],
        },
        0,
      ),
    );
    if (dlqConsumers.length > 0) {
      expect(alarm(prod, 'DeadLettersNotDrained')).toEqual({
        metric: metric('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', 60, ['QueueName']),
        threshold: DEAD_LETTER_AGE_ALARM_SECONDS,
      });
    } else {
      expect(prod.stack.observability.alarmsById.DeadLettersNotDrained).toBeUndefined();
    }
    // On the dead-letter queue, not the render queue.
    const props = prod.json.Resources[logicalId(prod.stack.observability.alarmsById.DeadLettersArrived!)]!.Properties;
    const dlq = logicalId(prod.stack.pipeline.deadLetterQueue);
    expect(JSON.stringify(props.Metrics)).toContain(`"${dlq}"`);
    expect(JSON.stringify(props.Metrics)).not.toContain(`"${logicalId(prod.stack.pipeline.queue)}"`);
  });

  it('alarms on the age of the oldest render message and on render duration p99 against the sized fleet', () => {
    expect(alarm(prod, 'RenderQueueOldestMessage')).toEqual({
      metric: metric('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', 60, ['QueueName']),
      threshold: RENDER_QUEUE_AGE_ALARM_SECONDS,
    });
    expect(alarm(prod, 'RenderDurationP99')).toEqual({
      metric: metric('AWS/Lambda', 'Duration', 'p99', 300, ['FunctionName']),
      threshold: prod.stack.sizing.renderDurationAlarmMs,
    });
    const props = prod.json.Resources[logicalId(prod.stack.observability.alarmsById.RenderQueueOldestMessage!)]!.Properties;
    expect(props.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(prod.stack.pipeline.queue), 'QueueName'] } }]);
  });

  it('alarms on errors and throttles of every function', () => {
    for (const [key, decl] of Object.entries(FUNCTIONS)) {
      expect(alarm(prod, `${decl.id}Errors`), key).toEqual({ metric: metric('AWS/Lambda', 'Errors', 'Sum', 300, ['FunctionName']), threshold: 0 });
      expect(alarm(prod, `${decl.id}Throttles`), key).toEqual({ metric: metric('AWS/Lambda', 'Throttles', 'Sum', 60, ['FunctionName']), threshold: 0 });
      const props = prod.json.Resources[logicalId(prod.stack.observability.alarmsById[`${decl.id}Throttles`]!)]!.Properties;
      expect(props.Dimensions, key).toEqual([{ Name: 'FunctionName', Value: { Ref: logicalId(prod.stack.functions.get(key)) } }]);
    }
  });

  it('alarms on DynamoDB read and write throttle events of the table and of each GSI', () => {
    expect(alarm(prod, 'TableWriteThrottles')).toEqual({ metric: metric('AWS/DynamoDB', 'WriteThrottleEvents', 'Sum', 60, ['TableName']), threshold: 0 });
    expect(alarm(prod, 'TableReadThrottles')).toEqual({ metric: metric('AWS/DynamoDB', 'ReadThrottleEvents', 'Sum', 60, ['TableName']), threshold: 0 });
    for (const index of Object.values(TABLE.indexes)) {
      for (const kind of ['Read', 'Write']) {
        expect(alarm(prod, `Index${index.name}${kind}Throttles`)).toEqual({
          metric: metric('AWS/DynamoDB', `${kind}ThrottleEvents`, 'Sum', 60, ['TableName', 'GlobalSecondaryIndexName']),
          threshold: 0,
        });
        const props = prod.json.Resources[logicalId(prod.stack.observability.alarmsById[`Index${index.name}${kind}Throttles`]!)]!.Properties;
        expect(props.Dimensions).toContainEqual({ Name: 'GlobalSecondaryIndexName', Value: index.name });
      }
    }
  });

  it('alarms on the API’s 5xx rate (any) and 429 rate, counting 429s from the access log', () => {
    const requests: [string, string, string, number] = ['AWS/ApiGateway', 'Count', 'Sum', 300];
    expect(alarm(prod, 'ApiServerErrorRate')).toEqual(
      math('IF(requests > 0, 100 * errors / requests, 0)', { errors: ['AWS/ApiGateway', '5xx', 'Sum', 300], requests }, 0),
    );
    expect(alarm(prod, 'ApiThrottledRate')).toEqual(
      math('IF(requests > 0, 100 * throttled / requests, 0)', { throttled: ['ecert', API_THROTTLED_METRIC, 'Sum', 300], requests }, API_THROTTLED_PERCENT_ALARM),
    );
    prod.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(prod.stack.httpApi.accessLogs) },
      FilterPattern: '{ $.status = 429 }',
      MetricTransformations: [{ MetricNamespace: 'ecert', MetricName: API_THROTTLED_METRIC, MetricValue: '1', DefaultValue: 0 }],
    });
  });

  it('has exactly these alarms, nothing unaccounted for', () => {
    const expected = [
      'DeadLettersArrived',
      ...(dlqConsumers.length > 0 ? ['DeadLettersNotDrained'] : []),
      'RenderQueueOldestMessage',
      'RenderDurationP99',
      ...Object.values(FUNCTIONS).flatMap((d) => [`${d.id}Errors`, `${d.id}Throttles`]),
      'TableReadThrottles',
      'TableWriteThrottles',
      ...Object.values(TABLE.indexes).flatMap((i) => [`Index${i.name}ReadThrottles`, `Index${i.name}WriteThrottles`]),
      'ApiServerErrorRate',
      'ApiThrottledRate',
    ];
    expect(Object.keys(prod.stack.observability.alarmsById).sort()).toEqual(expected.sort());
    expect(Object.keys(ofType(prod.json, 'AWS::CloudWatch::Alarm'))).toHaveLength(expected.length);
  });

  it('traces every declared function actively; the X-Ray grant is the only Resource "*" and writes traces only', () => {
    for (const [key, fn] of prod.stack.functions.entries()) {
      expect(prod.json.Resources[logicalId(fn)]!.Properties.TracingConfig, key).toEqual({ Mode: 'Active' });
      // Lambda's own START/END/REPORT lines are not shipped (docs/cost-model.md); the functions' JSON logs are.
      expect(prod.json.Resources[logicalId(fn)]!.Properties.LoggingConfig, key).toMatchObject({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      });
      const statements = statementsOfRole(prod.json, logicalId(fn.role as never));
      const star = statements.filter((st) => [st.Resource].flat().includes('*'));
      // A stream consumer also lists the table's streams, which has no resource-level permission either.
      const listStreams = (FUNCTIONS as Record<string, FunctionDecl>)[key]?.trigger?.type === 'stream' ? ['dynamodb:ListStreams'] : [];
      expect(star.flatMap((st) => [st.Action].flat()).sort(), key).toEqual([...XRAY_WRITE_ACTIONS, ...listStreams].sort());
    }
  });
});

describe('defect 6: in prod the API is reached only through the distribution and its web ACL', () => {
  it('disables the execute-api endpoint and maps the API to its custom origin domain (TLS 1.2)', () => {
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: PROD_EXAMPLE.config.apiOrigin.domainName,
      DomainNameConfigurations: [
        { CertificateArn: PROD_EXAMPLE.config.apiOrigin.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
      ],
    });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: logicalId(prod.stack.httpApi.api) },
      DomainName: { Ref: logicalId(prod.stack.httpApi.originDomain!) },
      Stage: '$default',
    });
  });

  it('makes the origin domain the distribution’s API origin, and ApiUrl the distribution', () => {
    const [distribution] = Object.values(ofType(prod.json, 'AWS::CloudFront::Distribution'));
    const origins = (distribution!.Properties.DistributionConfig as { Origins: { DomainName: unknown }[] }).Origins;
    const domainId = logicalId(prod.stack.httpApi.originDomain!);
    expect(origins.filter((o) => JSON.stringify(o.DomainName).includes(`"${domainId}"`))).toHaveLength(1);
    expect(JSON.stringify(origins)).not.toContain('execute-api');
    prod.template.hasOutput(STACK_OUTPUTS.apiUrl, {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(prod.stack.portal.distribution), 'DomainName'] }, '/']] },
    });
  });

  it('creates a CLOUDFRONT web ACL in us-east-1 with the per-client rate rule on /v1/*, and attaches it', () => {
    const edge = prod.stack.edge!;
    expect(edge.region).toBe('us-east-1');
    const acl = Template.fromStack(edge);
    acl.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: PER_CLIENT_RULE,
          Priority: 0,
          Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } },
          Statement: {
            RateBasedStatement: {
              Limit: ENVIRONMENTS.prod.peak.perClientRequestsPer5Minutes,
              EvaluationWindowSec: RATE_WINDOW_SECONDS,
              AggregateKeyType: 'IP',
              ScopeDownStatement: {
                ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH', SearchString: '/v1/' },
              },
            },
          },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
        },
      ],
    });
    const body = JSON.parse(
      (Object.values(acl.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.CustomResponseBodies as Record<string, { Content: string }>)[
        'rate-limited'
      ]!.Content,
    ) as { status: number; code: string };
    expect(body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // The distribution takes the ACL's ARN through the cross-region reference.
    const [distribution] = Object.values(ofType(prod.json, 'AWS::CloudFront::Distribution'));
    const webAclId = JSON.stringify((distribution!.Properties.DistributionConfig as { WebACLId: unknown }).WebACLId);
    expect(webAclId).toMatch(/ExportsReader/);
    expect(webAclId).toContain(edge.getLogicalId(edge.acl.webAcl));
  });

  it('keeps the web ACL in the stack itself when it deploys to us-east-1, and uses an existing one when named', () => {
    const east = synthProd({ env: { account: PROD_EXAMPLE.env.account, region: 'us-east-1' } });
    expect(east.stack.edge).toBeUndefined();
    east.template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const named = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ops/0000';
    const own = synthProd({ config: { portalWebAclArn: named } });
    expect(own.stack.edge).toBeUndefined();
    own.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    own.template.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: { WebACLId: named } });
  }, SYNTH_TIMEOUT);

  it('creates the origin domain’s alias record when the hosted zone is configured', () => {
    const s = synthProd({
      config: { apiOrigin: { ...PROD_EXAMPLE.config.apiOrigin, hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'ecert.example.com' } } },
    });
    s.template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${PROD_EXAMPLE.config.apiOrigin.domainName}.`,
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: { DNSName: { 'Fn::GetAtt': [logicalId(s.stack.httpApi.originDomain!), 'RegionalDomainName'] } },
    });
  }, SYNTH_TIMEOUT);

  it('in dev keeps the default endpoint as ApiUrl and the distribution’s origin, with no web ACL', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    dev.template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    dev.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(dev.stack.edge).toBeUndefined();
    expect(JSON.stringify(dev.json.Outputs?.[STACK_OUTPUTS.apiUrl])).toContain('execute-api');
  });

  it('refuses to create the web ACL without a concrete Region to reference it from', () => {
    expect(() => synth({ config: { ...PROD_EXAMPLE.config } })).toThrow(/needs its own Region/);
  });
});

describe('defect 8: the table is pre-warmed in prod', () => {
  it('sets warm throughput on the table and each GSI to the sized peak (at least the on-demand start values)', () => {
    const [table] = Object.values(ofType(prod.json, 'AWS::DynamoDB::Table'));
    const warm = prod.stack.sizing.warmThroughput!;
    const need = prod.stack.sizing.demand.dynamodb;
    expect(table!.Properties.WarmThroughput).toEqual({ ReadUnitsPerSecond: warm.table.read, WriteUnitsPerSecond: warm.table.write });
    expect(warm.table.write).toBeGreaterThanOrEqual(Math.max(QUOTAS.dynamodbOnDemandInitialWrite.value, 2 * need.table.write));
    expect(warm.table.read).toBeGreaterThanOrEqual(Math.max(QUOTAS.dynamodbOnDemandInitialRead.value, 2 * need.table.read));
    for (const gsi of table!.Properties.GlobalSecondaryIndexes as { IndexName: string; WarmThroughput?: unknown }[]) {
      const sized = warm.indexes[gsi.IndexName];
      if (sized) expect(gsi.WarmThroughput, gsi.IndexName).toEqual({ ReadUnitsPerSecond: sized.read, WriteUnitsPerSecond: sized.write });
    }
  });

  it('leaves dev on plain on-demand', () => {
    const [table] = Object.values(ofType(dev.json, 'AWS::DynamoDB::Table'));
    expect(table!.Properties.WarmThroughput).toBeUndefined();
    expect(dev.stack.sizing.warmThroughput).toBeUndefined();
  });
});
