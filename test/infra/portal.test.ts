import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, InvalidConfigError, loadConfig } from '../../infra/config';
import { SPA_REWRITE_FUNCTION } from '../../infra/constructs/portal';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import {
  API_PATH_PATTERNS,
  CACHE_CONTROL,
  CONTENT_SECURITY_POLICY,
  HSTS_MAX_AGE_SECONDS,
  PORTAL_SECURITY_HEADERS,
} from '../../shared/resources/portal';
import { acknowledgements, describeFindings, logicalId, ofType, runNag, staleAcknowledgements, synth, type Synthesized } from '../support/synth';

// Managed policy ids (AWS documentation): CachingOptimized, CachingDisabled, AllViewerExceptHostHeader.
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface DistributionConfig {
  DefaultRootObject: string;
  DefaultCacheBehavior: Record<string, unknown>;
  CacheBehaviors: Record<string, unknown>[];
  Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown; CustomOriginConfig?: Record<string, unknown>; OriginAccessControlId?: unknown }[];
  Logging?: { Bucket: unknown; Prefix: string };
  WebACLId?: string;
  HttpVersion: string;
  ViewerCertificate?: unknown;
}

describe('Portal construct (S3 + CloudFront, API on the same origin)', () => {
  let s: Synthesized;
  let config: DistributionConfig;
  let portalBucket: string;
  const originOf = (behavior: Record<string, unknown>) => config.Origins.find((o) => o.Id === behavior.TargetOriginId)!;

  beforeAll(() => {
    s = synth();
    const [distribution] = Object.values(ofType(s.json, 'AWS::CloudFront::Distribution'));
    config = distribution!.Properties.DistributionConfig as DistributionConfig;
    portalBucket = logicalId(s.stack.portal.bucket);
  });

  it('has one distribution whose default origin is the private portal bucket, read through OAC', () => {
    s.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    expect(config.DefaultRootObject).toBe('index.html');
    const s3 = originOf(config.DefaultCacheBehavior);
    expect(s3.DomainName).toEqual({ 'Fn::GetAtt': [portalBucket, 'RegionalDomainName'] });
    expect(s3.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] });
    s.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    // Only CloudFront, and only this distribution, may read the bucket.
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: portalBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(s.stack.storage.accessLogs) }, LogFilePrefix: 'portal/' },
    });
  });

  it('serves the portal over HTTPS, cached, with the SPA rewrite on viewer requests', () => {
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: CACHING_OPTIMIZED,
      Compress: true,
      ResponseHeadersPolicyId: { Ref: logicalId(s.stack.portal.securityHeaders) },
      FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: expect.anything() }],
    });
    s.template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: SPA_REWRITE_FUNCTION,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    expect(config.HttpVersion).toBe('http2and3');
  });

  it('routes /v1/* and /openapi.json to the HTTP API: HTTPS only, uncached, every method, Authorization forwarded', () => {
    expect(config.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual([...API_PATH_PATTERNS].sort());
    for (const behavior of config.CacheBehaviors) {
      expect(behavior).toMatchObject({
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
        ResponseHeadersPolicyId: { Ref: logicalId(s.stack.portal.securityHeaders) },
      });
      const api = originOf(behavior);
      expect(JSON.stringify(api.DomainName)).toContain(logicalId(s.stack.httpApi.api));
      expect(JSON.stringify(api.DomainName)).toContain('.execute-api.');
      expect(api.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    }
  });

  it('sets the security headers of shared/resources/portal.ts on every response, plus HSTS', () => {
    s.template.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 1);
    const [policy] = Object.values(ofType(s.json, 'AWS::CloudFront::ResponseHeadersPolicy'));
    const headers = (policy!.Properties.ResponseHeadersPolicyConfig as Record<string, Record<string, unknown>>);
    expect(headers.SecurityHeadersConfig).toEqual({
      ContentSecurityPolicy: { ContentSecurityPolicy: CONTENT_SECURITY_POLICY, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: PORTAL_SECURITY_HEADERS['referrer-policy'], Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS, IncludeSubdomains: true, Override: true },
    });
    const custom = (headers.CustomHeadersConfig as { Items: { Header: string; Value: string; Override: boolean }[] }).Items;
    expect(Object.fromEntries(custom.map((h) => [h.Header, h.Value]))).toEqual({
      'permissions-policy': PORTAL_SECURITY_HEADERS['permissions-policy'],
      'cross-origin-opener-policy': PORTAL_SECURITY_HEADERS['cross-origin-opener-policy'],
    });
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('writes access logs to a CDN log bucket that expires them', () => {
    expect(config.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logicalId(s.stack.portal.logs), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: ENVIRONMENTS.dev.accessLogExpirationDays, Status: 'Enabled' })] },
    });
  });

  it('deploys the build output: immutable hashed assets and fonts, then revalidated HTML, never pruned', () => {
    const deployments = Object.values(ofType(s.json, 'Custom::CDKBucketDeployment')).map((d) => d.Properties);
    expect(deployments).toHaveLength(3);
    for (const deployment of deployments) {
      expect(deployment.DestinationBucketName).toEqual({ Ref: portalBucket });
      expect(deployment.Prune).toBe(false);
    }
    const byPrefix = Object.fromEntries(deployments.map((d) => [String(d.DestinationBucketKeyPrefix ?? ''), d]));
    expect(byPrefix['assets/']!.SystemMetadata).toEqual({ 'cache-control': CACHE_CONTROL.immutable });
    expect(byPrefix['assets/fonts/']!.SystemMetadata).toEqual({ 'cache-control': CACHE_CONTROL.immutable, 'content-type': 'font/woff2' });
    expect(byPrefix['']!.SystemMetadata).toEqual({ 'cache-control': CACHE_CONTROL.html });
  });

  it('gives the deployment handler explicit actions only, on its own log group and the two buckets', () => {
    const role = logicalId(s.stack.portal.deployRole);
    const statements = Object.values(ofType(s.json, 'AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement);
    const actions = new Set(statements.flatMap((st) => [st.Action].flat()));
    expect([...actions].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(s.json.Resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
    const [handler] = Object.entries(ofType(s.json, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('CustomCDKBucketDeployment'));
    expect(handler![1].Properties.Role).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
  });

  it('outputs PortalUrl, and QR codes (non-HTTP functions) point at the distribution', () => {
    const url = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(s.stack.portal.distribution), 'DomainName'] }]] };
    s.template.hasOutput(STACK_OUTPUTS.portalUrl, { Value: url });
    const render = s.json.Resources[logicalId(s.stack.functions.get('render'))]!.Properties;
    expect((render.Environment as { Variables: Record<string, unknown> }).Variables.ECERT_PUBLIC_BASE_URL).toEqual(url);
  });

  it('leaves cdk-nag clean with the portal acknowledgements used; CFR2 only while no web ACL is attached', () => {
    const nag = runNag(s.app);
    expect(describeFindings(nag.violations)).toEqual([]);
    expect(staleAcknowledgements(s.app, nag)).toEqual([]);
    expect([...acknowledgements(s.app).keys()]).toEqual(
      expect.arrayContaining(['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4', 'AwsSolutions-L1']),
    );

    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ecert/0a1b2c3d-0000-4000-8000-000000000000';
    const withWaf = synth({ config: { portalWebAclArn: webAclArn } });
    const [distribution] = Object.values(ofType(withWaf.json, 'AWS::CloudFront::Distribution'));
    expect((distribution!.Properties.DistributionConfig as DistributionConfig).WebACLId).toBe(webAclArn);
    expect(acknowledgements(withWaf.app).has('AwsSolutions-CFR2')).toBe(false);
    const wafNag = runNag(withWaf.app);
    expect(describeFindings(wafNag.violations)).toEqual([]);
    expect(staleAcknowledgements(withWaf.app, wafNag)).toEqual([]);
  });

  it('with a custom domain: pins viewer TLS to TLSv1.2_2021 (no CFR4 acknowledgement) and QR codes use the domain', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000';
    const custom = synth({ config: { portalDomainName: 'ecert.example.cn', portalCertificateArn: certificateArn } });
    const [distribution] = Object.values(ofType(custom.json, 'AWS::CloudFront::Distribution'));
    const dc = distribution!.Properties.DistributionConfig as DistributionConfig & { Aliases: string[] };
    expect(dc.Aliases).toEqual(['ecert.example.cn']);
    expect(dc.ViewerCertificate).toEqual({ AcmCertificateArn: certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    custom.template.hasOutput(STACK_OUTPUTS.portalUrl, { Value: 'https://ecert.example.cn' });
    const render = custom.json.Resources[logicalId(custom.stack.functions.get('render'))]!.Properties;
    expect((render.Environment as { Variables: Record<string, unknown> }).Variables.ECERT_PUBLIC_BASE_URL).toBe('https://ecert.example.cn');
    expect(acknowledgements(custom.app).has('AwsSolutions-CFR4')).toBe(false);
    const nag = runNag(custom.app);
    expect(describeFindings(nag.violations)).toEqual([]);
    expect(staleAcknowledgements(custom.app, nag)).toEqual([]);
  });

  it('refuses a web ACL that CloudFront cannot use, a domain without its certificate, and a missing build output', () => {
    const context = (values: Record<string, string>) => (key: string) => values[key];
    expect(() => loadConfig(context({ portalDomainName: 'ecert.example.cn' }))).toThrow(/go together/);
    expect(() =>
      loadConfig(context({ portalDomainName: 'ecert.example.cn', portalCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' })),
    ).toThrow(/us-east-1/);
    expect(() => loadConfig((key) => (key === 'portalWebAclArn' ? 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y' : undefined))).toThrow(
      InvalidConfigError,
    );
    expect(() => synth({ portalDir: '/nonexistent/portal/dist' })).toThrow(/portal build output missing/);
  });
});
