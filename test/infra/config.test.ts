import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, InvalidConfigError, loadConfig, RESULTS_DAY, validateConfig } from '../../infra/config';
import { busiestMinuteRate } from '../../infra/sizing';
import { PROD_EXAMPLE } from '../support/synth';
import { DEFAULT_STACK_NAME } from '../../shared/resources/outputs';

const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('loadConfig', () => {
  it('defaults to dev under DEFAULT_STACK_NAME', () => {
    const config = loadConfig();
    expect(config.name).toBe('dev');
    expect(config.stackName).toBe(DEFAULT_STACK_NAME);
    expect(config.alarmEmail).toBeUndefined();
  });

  const prodOrigin = {
    apiOriginDomainName: PROD_EXAMPLE.config.apiOrigin.domainName,
    apiOriginCertificateArn: PROD_EXAMPLE.config.apiOrigin.certificateArn,
  };

  it('selects an environment and applies single-value overrides from context', () => {
    const config = loadConfig(
      context({
        environment: 'prod',
        stackName: 'EcertStaging',
        alarmEmail: 'ops@example.com',
        publicBaseUrl: 'https://e.example.com',
        ...prodOrigin,
        apiOriginHostedZoneId: 'Z0123456789ABCDEFGHIJ',
        apiOriginHostedZoneName: 'ecert.example.com',
      }),
    );
    expect(config).toMatchObject({
      name: 'prod',
      stackName: 'EcertStaging',
      alarmEmail: 'ops@example.com',
      publicBaseUrl: 'https://e.example.com',
      peak: RESULTS_DAY,
      executeApiEndpoint: false,
      createWebAcl: true,
      warmThroughput: true,
      apiOrigin: {
        domainName: prodOrigin.apiOriginDomainName,
        certificateArn: prodOrigin.apiOriginCertificateArn,
        hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'ecert.example.com' },
      },
    });
  });

  it('refuses prod without the API origin domain (the disabled endpoint would leave no way in), unless told to keep it', () => {
    expect(() => loadConfig(context({ environment: 'prod' }))).toThrow(/apiOriginDomainName/);
    expect(loadConfig(context({ environment: 'prod', executeApiEndpoint: 'enabled' })).executeApiEndpoint).toBe(true);
    expect(() => loadConfig(context({ environment: 'prod', apiOriginDomainName: 'a.example.com' }))).toThrow(/go together/);
    expect(() => loadConfig(context({ environment: 'prod', ...prodOrigin, apiOriginHostedZoneId: 'Z1' }))).toThrow(/go together/);
    expect(() =>
      loadConfig(context({ environment: 'prod', ...prodOrigin, apiOriginHostedZoneId: 'Z1', apiOriginHostedZoneName: 'other.example.org' })),
    ).toThrow(/inside the hosted zone/);
    expect(() => loadConfig(context({ environment: 'prod', ...prodOrigin, executeApiEndpoint: 'maybe' }))).toThrow(/enabled, disabled/);
    expect(loadConfig(context({ environment: 'prod', ...prodOrigin, webAcl: 'none' })).createWebAcl).toBe(false);
  });

  it('rejects an unknown environment, a malformed e-mail or a non-https base URL', () => {
    expect(() => loadConfig(context({ environment: 'staging' }))).toThrow(InvalidConfigError);
    expect(() => loadConfig(context({ alarmEmail: 'ops' }))).toThrow(/e-mail/);
    expect(() => loadConfig(context({ publicBaseUrl: 'http://e.example.com' }))).toThrow(/https/);
    expect(() => loadConfig(context({ stackName: '1bad name' }))).toThrow(/stack name/);
  });

  it('rejects peak profiles, throttles and retention values the sizing, API Gateway or CloudWatch would refuse', () => {
    const dev = ENVIRONMENTS.dev;
    const peak = (p: Partial<typeof RESULTS_DAY>) => ({ ...dev, peak: { ...dev.peak, ...p } });
    expect(() => validateConfig(peak({ routeFloor: { rateLimit: 0, burstLimit: 10 } }))).toThrow(/rateLimit/);
    expect(() => validateConfig(peak({ routeFloor: { rateLimit: 10, burstLimit: 1.5 } }))).toThrow(/burstLimit/);
    expect(() => validateConfig(peak({ sizingHeadroom: 1.5 }))).toThrow(/at least 2/);
    expect(() => validateConfig(peak({ firstHourShare: 1.2 }))).toThrow(/firstHourShare/);
    expect(() => validateConfig(peak({ annotationsPerDay: 0 }))).toThrow(/annotationsPerDay/);
    expect(() => validateConfig(peak({ perClientRequestsPer5Minutes: 5 }))).toThrow(/WAF/);
    expect(() => validateConfig({ ...dev, logRetention: 42 as never })).toThrow(/retention/);
  });

  it('accepts dev as shipped and prod with its origin domain', () => {
    expect(() => validateConfig(ENVIRONMENTS.dev)).not.toThrow();
    expect(() => validateConfig(PROD_EXAMPLE.config)).not.toThrow();
  });

  it('describes results day: 2 million annotations, 30% in the first hour, the busiest minute at twice its average', () => {
    expect(RESULTS_DAY).toMatchObject({ registeredHolders: 10_000_000, annotationsPerDay: 2_000_000, firstHourShare: 0.3, busiestMinuteFactor: 2 });
    // 600,000 in the first hour → 166.7/s on average → 333.3/s in the busiest minute.
    expect(busiestMinuteRate(RESULTS_DAY.annotationsPerDay, RESULTS_DAY)).toBeCloseTo(333.33, 2);
  });
});
