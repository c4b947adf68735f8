import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { problem } from '../../shared/http/problem';

/** CloudFront web ACLs (scope CLOUDFRONT) can only be created in this Region. */
export const CLOUDFRONT_WEB_ACL_REGION = 'us-east-1';

/** WAF's window for the rate-based rule: requests are counted per client over the last 5 minutes. */
export const RATE_WINDOW_SECONDS = 300;

/** Name of the rate-based rule and of its CloudWatch metric. */
export const PER_CLIENT_RULE = 'PerClientApiRate';

export interface EdgeWebAclProps {
  /** Requests to /v1/* one client IP may send in RATE_WINDOW_SECONDS before it is answered 429. */
  readonly perClientRequestsPer5Minutes: number;
  /** Prefix of the CloudWatch metric names (the stack name). */
  readonly metricPrefix: string;
}

/**
 * The per-client limit in front of the API: a CLOUDFRONT-scope web ACL whose rate-based rule counts each source IP's
 * requests to /v1/* (the portal's static files are not counted: a cold page load fetches several) and answers 429
 * problem+json past the limit, like the API's own RATE_LIMITED. Everything else is allowed; API Gateway's per-route
 * throttles stay the overall limit.
 */
export class EdgeWebAcl extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeWebAclProps) {
    super(scope, id);
    const body = problem('RATE_LIMITED').toBody();
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'ecert: per-client rate limit on the API behind the portal distribution',
      defaultAction: { allow: {} },
      customResponseBodies: {
        'rate-limited': { contentType: 'APPLICATION_JSON', content: JSON.stringify(body) },
      },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `${props.metricPrefix}-edge`,
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: PER_CLIENT_RULE,
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'rate-limited',
                responseHeaders: [{ name: 'retry-after', value: String(RATE_WINDOW_SECONDS) }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: props.perClientRequestsPer5Minutes,
              evaluationWindowSec: RATE_WINDOW_SECONDS,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: '/v1/',
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: `${props.metricPrefix}-${PER_CLIENT_RULE}`,
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
  }

  get arn(): string {
    return this.webAcl.attrArn;
  }
}

export interface EdgeStackProps extends StackProps, EdgeWebAclProps {}

/**
 * The small us-east-1 stack that holds the portal distribution's web ACL when the main stack deploys to another
 * Region. The main stack reads the ACL's ARN through a cross-region reference (crossRegionReferences: CDK stores it
 * in an SSM parameter in the main stack's Region and reads it back with a custom resource). Deploy both with
 * `cdk deploy --all`; CDK deploys this one first.
 */
export class EdgeStack extends Stack {
  readonly acl: EdgeWebAcl;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, { description: 'ecert: CloudFront web ACL (us-east-1)', ...props });
    this.acl = new EdgeWebAcl(this, 'Edge', props);
  }
}
