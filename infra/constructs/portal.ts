import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, type CfnElement } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import {
  API_PATH_PATTERNS,
  CACHE_CONTROL,
  HSTS_MAX_AGE_SECONDS,
  PORTAL_ASSET_PREFIX,
  PORTAL_SECURITY_HEADERS,
  REFERRER_POLICY,
} from '../../shared/resources/portal';
import { acknowledge } from '../nag';

export interface PortalProps {
  /**
   * Host name of the HTTP API as an origin, served on the portal's origin under `/v1/*` and `/openapi.json`: its
   * default execute-api host, or its custom origin domain when the default endpoint is disabled.
   */
  readonly apiOriginHost: string;
  /** The portal's build output (portal/dist); it must exist at synth time. */
  readonly assetDir: string;
  /** Receives the S3 server access logs of the portal's buckets. */
  readonly accessLogs: Bucket;
  /** Days CloudFront access logs are kept. */
  readonly accessLogExpirationDays: number;
  /** Retention of the deployment handler's log group. */
  readonly logRetention: RetentionDays;
  /** A CLOUDFRONT-scope WAF web ACL (in us-east-1) to attach: the stack's own (prod) or an existing one. */
  readonly webAclArn?: string;
  /** A custom domain with its ACM certificate (us-east-1): viewer TLS is then pinned to TLSv1.2_2021. */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
}

/**
 * Rewrites the portal's own routes (every path whose last segment has no file extension: `/verify`,
 * `/certificates/Z…`) to /index.html, so deep links and the QR code's redirect target load the app. Attached only
 * to the default (S3) behaviour: API paths never reach it.
 */
const referrerPolicy = (value: string): HeadersReferrerPolicy => {
  const policy = Object.values(HeadersReferrerPolicy).find((candidate) => candidate === value);
  if (!policy) throw new Error(`CloudFront has no referrer policy ${value}`);
  return policy;
};

export const SPA_REWRITE_FUNCTION = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/**
 * The holder portal in the cloud: a private S3 bucket with the build output (read by CloudFront through Origin Access
 * Control only), one CloudFront distribution with the bucket as default origin and the HTTP API as origin of
 * `/v1/*` and `/openapi.json` — one origin for the browser, so no CORS — HTTPS only, the security headers of
 * shared/resources/portal.ts on every response, and access logs.
 */
export class Portal extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly securityHeaders: ResponseHeadersPolicy;
  /** Role of the CDK BucketDeployment handler: explicit actions instead of the construct's wildcard grants. */
  readonly deployRole: Role;
  private readonly domainName?: string;
  /** The asset bucket ARN as cdk-nag prints it in a finding. */
  private readonly assetBucketFinding: string;

  constructor(scope: Construct, id: string, props: PortalProps) {
    super(scope, id);
    if (!existsSync(join(props.assetDir, 'index.html'))) {
      throw new Error(`portal build output missing in ${props.assetDir}: run npm run build:portal (npm run synth does)`);
    }
    const stack = Stack.of(this);

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'portal/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudFront standard logs are delivered with an ACL, so this bucket keeps ACLs (owner preferred); nothing else does.
    this.logs = new Bucket(this, 'CdnLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'portal-cdn-logs/',
      lifecycleRules: [{ id: 'expire-cdn-logs', expiration: Duration.days(props.accessLogExpirationDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const custom = Object.entries(PORTAL_SECURITY_HEADERS).filter(
      ([name]) => !['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'].includes(name),
    );
    this.securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'ecert portal and API: security headers (shared/resources/portal.ts)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: PORTAL_SECURITY_HEADERS['content-security-policy']!, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: referrerPolicy(REFERRER_POLICY), override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: custom.map(([header, value]) => ({ header, value, override: true })),
      },
    });

    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      comment: 'ecert portal: extension-less paths load index.html',
      code: FunctionCode.fromInline(SPA_REWRITE_FUNCTION),
      runtime: FunctionRuntime.JS_2_0,
    });

    const apiOrigin = new HttpOrigin(props.apiOriginHost, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    // No caching and every viewer header but Host (API Gateway routes on the origin's host name); with caching disabled
    // CloudFront forwards Authorization too.
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.securityHeaders,
      compress: true,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'ecert holder portal and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehavior])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: SSLMethod.SNI,
          }
        : {}),
    });
    this.domainName = props.domain?.name;

    // The deployment handler (a CDK-provided Lambda that copies the build output at deploy time) gets its own role with
    // exactly the actions it uses: read the asset zips, list and write the portal bucket, write its own log group. The
    // role is handed over without policy updates, so the construct's broader default grants are not added.
    const deployLogs = new LogGroup(this, 'DeployLogs', { retention: props.logRetention });
    this.deployRole = new Role(this, 'DeployRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'ecert portal deployment: copies portal/dist into the portal bucket',
    });
    deployLogs.grantWrite(this.deployRole);
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetBucketArn = `arn:${stack.partition}:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}`;
    // cdk-nag prints pseudo parameters as <AWS::…>, and a stack with a concrete environment (prod) as literals.
    const named = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    this.assetBucketFinding =
      `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${named(stack.account, 'AWS::AccountId')}-${named(stack.region, 'AWS::Region')}`;
    this.deployRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [`${assetBucketArn}/*`] }));
    this.deployRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    this.deployRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.bucket.arnForObjects('*')] }),
    );
    const deployment = { destinationBucket: this.bucket, prune: false, memoryLimit: 512, role: this.deployRole.withoutPolicyUpdates(), logGroup: deployLogs };

    // Hashed assets first (immutable, never pruned: a cached index.html may still name the previous build's files),
    // then the HTML that names them (revalidated on every load).
    const assets = new BucketDeployment(this, 'DeployAssets', {
      sources: [Source.asset(join(props.assetDir, PORTAL_ASSET_PREFIX), { exclude: ['fonts', 'fonts/**'] })],
      ...deployment,
      destinationKeyPrefix: PORTAL_ASSET_PREFIX,
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.immutable)],
    });
    const fonts = new BucketDeployment(this, 'DeployFonts', {
      sources: [Source.asset(join(props.assetDir, PORTAL_ASSET_PREFIX, 'fonts'))],
      ...deployment,
      destinationKeyPrefix: `${PORTAL_ASSET_PREFIX}fonts/`,
      contentType: 'font/woff2',
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.immutable)],
    });
    const pages = new BucketDeployment(this, 'DeployPages', {
      sources: [Source.asset(props.assetDir, { exclude: ['assets', 'assets/**'] })],
      ...deployment,
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.html)],
    });
    pages.node.addDependency(assets, fonts);

    this.acknowledgeFindings(props);
  }

  /** `https://<custom domain>` when one is configured, else `https://<id>.cloudfront.net`. */
  get url(): string {
    return `https://${this.domainName ?? this.distribution.distributionDomainName}`;
  }

  private acknowledgeFindings(props: PortalProps): void {
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction by design: holders abroad and foreign employers must be able to verify a certificate (查验), and ' +
        'the service holds no content licensed per region.',
    );
    if (!props.webAclArn) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR2',
        'Dev, or -c webAcl=none: no web ACL. Prod creates one (a rate-based rule per client IP on /v1/*) in a us-east-1 ' +
          'stack, since CLOUDFRONT-scope web ACLs live there; an existing one can be named with -c portalWebAclArn=….',
      );
    }
    if (!props.domain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'The distribution uses its default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; ' +
          'the portal is HTTPS only (redirect, API behaviours refuse HTTP) and origins are reached with TLS 1.2. ' +
          'Configure portalDomainName/portalCertificateArn to pin TLSv1.2_2021.',
      );
    }
    const siteId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    for (const [resource, what] of [
      [`${this.assetBucketFinding}/*`, 'the build output zips CDK uploads to the bootstrap asset bucket under generated keys'],
      [`<${siteId}.Arn>/*`, 'the portal bucket, whose objects are the hashed build files'],
    ]) {
      acknowledge(
        this.deployRole,
        `AwsSolutions-IAM5[Resource::${resource}]`,
        `Portal deployment handler (runs at deploy time only): object keys are not known when the template is written, ` +
          `so GetObject/PutObject are granted on ${what}, nothing broader.`,
      );
    }
    // The BucketDeployment handler is one CDK-provided Lambda per stack, outside this construct.
    for (const handler of Stack.of(this).node.children.filter((c: IConstruct) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      acknowledge(
        handler,
        'AwsSolutions-L1',
        'CDK BucketDeployment handler (runs at deploy time only): the construct pins the Python runtime its bundled AWS ' +
          'CLI layer supports and does not let it be changed.',
      );
    }
  }
}
