import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, InvalidConfigError, loadConfig, validateConfig } from '../../infra/config';
import { ENV } from '../../shared/config/env';
import { ofType, synth, type Synthesized } from '../support/synth';

/**
 * Issue 11 in the stack: the sender settings are configuration, the functions that send get them as environment and
 * may send from those senders only; the local outbox (GET /dev/outbox) is no route of the cloud API.
 */
let s: Synthesized;
beforeAll(() => {
  s = synth();
});

const functionsWithEnv = (name: string) =>
  Object.values(ofType(s.json, 'AWS::Lambda::Function')).filter(
    (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[name] !== undefined,
  );

describe('messaging in the stack', () => {
  it('gives the senders to the functions that send', () => {
    // Act
    const withEmail = functionsWithEnv(ENV.emailFrom);
    const withSms = functionsWithEnv(ENV.smsOrigination);

    // Assess
    expect(withEmail.length).toBeGreaterThan(0);
    expect(withSms.length).toBe(withEmail.length);
    for (const fn of withEmail) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables[ENV.emailFrom]).toBe(ENVIRONMENTS.dev.messaging.emailFrom);
    }
  });

  it('gives the reminder days to the function that applies for annotations', () => {
    expect(functionsWithEnv(ENV.reminderDays).map((fn) => String(fn.Properties.Description))).toEqual([expect.stringContaining('annotations-create')]);
  });

  it('schedules the reminder job hourly', () => {
    const rules = Object.values(ofType(s.json, 'AWS::Events::Rule')).map((rule) => rule.Properties.ScheduleExpression);
    expect(rules).toContain('rate(1 hour)');
  });

  it('has no /dev route: the outbox exists in the local runtime only', () => {
    // Act
    const routeKeys = Object.values(ofType(s.json, 'AWS::ApiGatewayV2::Route')).map((route) => String(route.Properties.RouteKey));

    // Assess
    expect(routeKeys.length).toBeGreaterThan(5);
    expect(routeKeys.filter((key) => key.includes('/dev'))).toEqual([]);
  });
});

describe('messaging configuration', () => {
  it('takes the senders from context', () => {
    // Act
    const config = loadConfig((key) =>
      ({ emailFrom: '证书 <noreply@mail.example.org>', emailIdentity: 'mail.example.org', smsOriginationIdentity: 'phone-number/phone-123' })[key],
    );

    // Assess
    expect(config.messaging).toMatchObject({ emailIdentity: 'mail.example.org', smsOriginationIdentity: 'phone-number/phone-123' });
  });

  it.each([
    ['a sender that is no address', { emailFrom: 'nobody' }],
    ['a sender outside the SES identity', { emailFrom: 'a@other.example', emailIdentity: 'ecert.example.com' }],
    ['an SMS origination of no known kind', { smsOriginationIdentity: 'my-number' }],
    ['reminders on day 0', { reminderDays: [0] }],
  ])('refuses %s', (_label, messaging) => {
    expect(() => validateConfig({ ...ENVIRONMENTS.dev, messaging: { ...ENVIRONMENTS.dev.messaging, ...messaging } })).toThrow(InvalidConfigError);
  });
});
