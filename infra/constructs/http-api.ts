import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  SecurityPolicy,
  type CfnStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { ROUTES, type RouteDecl } from '../../shared/resources/routes';
import type { EnvironmentConfig, Throttle } from '../config';
import { acknowledge } from '../nag';
import type { Functions } from './functions';

/**
 * One JSON line per request. Only request metadata: no headers (Authorization carries the bearer token), no query
 * string, no body, and the route key (a template such as `GET /v1/certificates/{certId}`) instead of the raw path.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  protocol: '$context.protocol',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  error: '$context.error.message',
} as const;

export interface HttpApiProps {
  readonly functions: Functions;
  /** Default route settings of the stage: what a route without its own settings gets. */
  readonly stageThrottle: Throttle;
  /**
   * Route key (`GET /v1/…`, `$default`) → its own throttle (infra/sizing.ts). Every declared route must have one, so a
   * burst of status polls or logins cannot take the whole stage from applications.
   */
  readonly routeThrottles: Readonly<Record<string, Throttle>>;
  /** false: the default `execute-api` endpoint is disabled; the API is reached only through `origin` (CloudFront). */
  readonly executeApiEndpoint: boolean;
  /** Custom domain CloudFront uses as the API's origin (required when the default endpoint is disabled). */
  readonly origin?: EnvironmentConfig['apiOrigin'];
  readonly logRetention: RetentionDays;
  /** Route table; defaults to shared/resources/routes.ts. */
  readonly routes?: readonly RouteDecl[];
  /** Declaration key of the function behind `$default` (every unmatched request). */
  readonly defaultRouteFunction?: string;
}

/** Construct id of a route: method and path, with the path's separators and braces spelled out. */
export const routeConstructId = (route: Pick<RouteDecl, 'method' | 'path'>) =>
  `${route.method}${route.path.replace(/\//g, '_').replace(/[{}]/g, '$').replace(/[^\w$.-]/g, '-')}`;

/**
 * The HTTP API (payload v2): one route per entry of the route table, each integrated with its declared function, a
 * `$default` route to the not-found function, and one `$default` stage with a throttle per route and JSON access logs.
 * Optionally a custom domain as CloudFront's origin, with the default endpoint disabled.
 * Authentication is the handlers' job (JWT middleware), so no API Gateway authorizer is attached.
 */
export class EcertHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** Route key → throttle, as written into the stage's RouteSettings. */
  readonly routeThrottles: Readonly<Record<string, Throttle>>;
  /** The API's custom domain (CloudFront's origin) when one is configured. */
  readonly originDomain?: DomainName;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (key: string) => {
      let integration = integrations.get(key);
      if (!integration) {
        const fn: IFunction = props.functions.get(key);
        integration = new HttpLambdaIntegration(`${props.functions.declarations[key]!.id}Integration`, fn);
        integrations.set(key, integration);
      }
      return integration;
    };

    const defaultKey = props.defaultRouteFunction ?? 'notFound';
    if (!props.executeApiEndpoint && !props.origin) {
      throw new Error('the execute-api endpoint is disabled but no origin domain is configured: the API would be unreachable');
    }
    this.api = new HttpApi(this, 'Api', {
      description: 'ecert HTTP API (contract: API.md)',
      createDefaultStage: false,
      defaultIntegration: integrationFor(defaultKey),
      disableExecuteApiEndpoint: !props.executeApiEndpoint,
    });
    const defaultRoute = this.api.node.tryFindChild('DefaultRoute');
    if (!defaultRoute) throw new Error('HttpApi did not create its $default route');
    acknowledge(
      defaultRoute,
      'AwsSolutions-APIG4',
      `$default catches every request that matches no declared route; its handler (${defaultKey}) only answers ` +
        '404 problem+json and touches no data, so there is nothing to authorize.',
    );

    const seen = new Set<string>();
    const httpRoutes: HttpRoute[] = [];
    for (const route of routes) {
      const routeKey = `${route.method} ${route.path}`;
      if (seen.has(routeKey)) throw new Error(`route ${routeKey} is declared twice`);
      seen.add(routeKey);
      const httpRoute = new HttpRoute(this, routeConstructId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationFor(route.fn),
      });
      httpRoutes.push(httpRoute);
      acknowledge(
        httpRoute,
        'AwsSolutions-APIG4',
        route.public
          ? `${routeKey} is public by contract (API.md: health, OpenAPI document, registration/login, verification); ` +
              'abuse is limited by its route throttle here and per-client limits in front of the API.'
          : `${routeKey} is authorized inside the handler: the middleware verifies the bearer JWT (HMAC key from ` +
              'Secrets Manager) and scopes every read to the holder, answering 401 problem+json otherwise; an API ' +
              'Gateway authorizer would duplicate that check.',
      );
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    if (props.origin) {
      this.originDomain = new DomainName(this, 'OriginDomain', {
        domainName: props.origin.domainName,
        certificate: Certificate.fromCertificateArn(this, 'OriginCertificate', props.origin.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      if (props.origin.hostedZone) {
        new ARecord(this, 'OriginAlias', {
          zone: HostedZone.fromHostedZoneAttributes(this, 'OriginZone', {
            hostedZoneId: props.origin.hostedZone.id,
            zoneName: props.origin.hostedZone.name,
          }),
          recordName: props.origin.domainName,
          target: RecordTarget.fromAlias(
            new ApiGatewayv2DomainProperties(this.originDomain.regionalDomainName, this.originDomain.regionalHostedZoneId),
          ),
        });
      }
    }
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.stageThrottle.rateLimit, burstLimit: props.stageThrottle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    if (this.originDomain) new ApiMapping(this, 'OriginMapping', { api: this.api, domainName: this.originDomain, stage: this.stage });
    this.routeThrottles = this.applyRouteThrottles(routes, props.routeThrottles);
    // Route settings name routes by key: CloudFormation must create the routes before the stage that refers to them.
    this.stage.node.addDependency(defaultRoute, ...httpRoutes);
  }

  private applyRouteThrottles(routes: readonly RouteDecl[], throttles: Readonly<Record<string, Throttle>>): Record<string, Throttle> {
    const keys = [...routes.map((route) => `${route.method} ${route.path}`), '$default'];
    const missing = keys.filter((key) => !throttles[key]);
    if (missing.length > 0) throw new Error(`no throttle sized for route(s) ${missing.join(', ')}`);
    const unknown = Object.keys(throttles).filter((key) => !keys.includes(key));
    if (unknown.length > 0) throw new Error(`throttle for undeclared route(s) ${unknown.join(', ')}`);
    const applied = Object.fromEntries(keys.map((key) => [key, throttles[key]!]));
    (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(applied).map(([key, t]) => [key, { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit }]),
    );
    return applied;
  }

  /**
   * The API's host name as an origin: its custom domain when configured (required when the default endpoint is off),
   * else `<api-id>.execute-api.<region>.amazonaws.com`.
   */
  originHost(region: string, urlSuffix: string): string {
    return this.originDomain ? this.originDomain.name : `${this.api.apiId}.execute-api.${region}.${urlSuffix}`;
  }

  /** `https://<api-id>.execute-api.<region>.amazonaws.com/` (the default endpoint; it answers only when enabled). */
  get url(): string {
    return this.stage.url;
  }
}
