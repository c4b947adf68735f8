import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDecl } from '../../shared/resources/routes';
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
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
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
 * `$default` route to the not-found function, and one `$default` stage with throttling and JSON access logs.
 * Authentication is the handlers' job (JWT middleware), so no API Gateway authorizer is attached.
 */
export class EcertHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

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
    this.api = new HttpApi(this, 'Api', {
      description: 'ecert HTTP API (contract: API.md)',
      createDefaultStage: false,
      defaultIntegration: integrationFor(defaultKey),
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
    for (const route of routes) {
      const routeKey = `${route.method} ${route.path}`;
      if (seen.has(routeKey)) throw new Error(`route ${routeKey} is declared twice`);
      seen.add(routeKey);
      const httpRoute = new HttpRoute(this, routeConstructId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationFor(route.fn),
      });
      acknowledge(
        httpRoute,
        'AwsSolutions-APIG4',
        route.public
          ? `${routeKey} is public by contract (API.md: health, OpenAPI document, registration/login, verification); ` +
              'abuse is limited by stage throttling here and per-client limits in front of the API.'
          : `${routeKey} is authorized inside the handler: the middleware verifies the bearer JWT (HMAC key from ` +
              'Secrets Manager) and scopes every read to the holder, answering 401 problem+json otherwise; an API ' +
              'Gateway authorizer would duplicate that check.',
      );
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttling.rateLimit, burstLimit: props.throttling.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** `https://<api-id>.execute-api.<region>.amazonaws.com/` */
  get url(): string {
    return this.stage.url;
  }
}
