import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, InvalidConfigError, loadConfig, validateConfig } from '../../infra/config';
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

  it('selects an environment and applies single-value overrides from context', () => {
    const config = loadConfig(
      context({ environment: 'prod', stackName: 'EcertStaging', alarmEmail: 'ops@example.com', publicBaseUrl: 'https://e.example.com' }),
    );
    expect(config).toMatchObject({
      name: 'prod',
      stackName: 'EcertStaging',
      alarmEmail: 'ops@example.com',
      publicBaseUrl: 'https://e.example.com',
      throttling: ENVIRONMENTS.prod.throttling,
    });
  });

  it('rejects an unknown environment, a malformed e-mail or a non-https base URL', () => {
    expect(() => loadConfig(context({ environment: 'staging' }))).toThrow(InvalidConfigError);
    expect(() => loadConfig(context({ alarmEmail: 'ops' }))).toThrow(/e-mail/);
    expect(() => loadConfig(context({ publicBaseUrl: 'http://e.example.com' }))).toThrow(/https/);
    expect(() => loadConfig(context({ stackName: '1bad name' }))).toThrow(/stack name/);
  });

  it('rejects throttling and retention values API Gateway or CloudWatch would refuse', () => {
    expect(() => validateConfig({ ...ENVIRONMENTS.dev, throttling: { rateLimit: 0, burstLimit: 10 } })).toThrow(/rateLimit/);
    expect(() => validateConfig({ ...ENVIRONMENTS.dev, throttling: { rateLimit: 10, burstLimit: 1.5 } })).toThrow(/burstLimit/);
    expect(() => validateConfig({ ...ENVIRONMENTS.dev, logRetention: 42 as never })).toThrow(/retention/);
  });

  it('accepts every shipped environment', () => {
    for (const config of Object.values(ENVIRONMENTS)) expect(() => validateConfig(config)).not.toThrow();
  });
});
