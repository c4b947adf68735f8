import { describe, expect, it } from 'vitest';
import { sensitiveFindings } from '../support/pii-scan';

/** The log scanner the security tests rely on must find what it is meant to find, and say so without repeating it. */
describe('sensitiveFindings', () => {
  const logs = (line: string) => `{"level":"INFO","message":"request","status":200}\n${line}\nGET /v1/health 200 1.0ms`;

  it('finds any JWT, whoever made it', () => {
    const findings = sensitiveFindings(logs('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^JWT-shaped text "eyJ"… \(\d+ chars\)/);
  });

  it('finds a resident ID number with a valid check character, and not one with a wrong one', () => {
    expect(sensitiveFindings(logs('id 110105198803151232 seen'), [])).toHaveLength(1);
    expect(sensitiveFindings(logs('id 110105198803151233 seen'), [])).toEqual([]);
  });

  it('finds every planted value of six characters or more, without repeating it', () => {
    const findings = sensitiveFindings(logs('user typed Fuzz-Holder-Pass-7 and E12345678'), ['Fuzz-Holder-Pass-7', 'E12345678', 'ab']);
    expect(findings).toHaveLength(2);
    expect(findings.join('\n')).not.toContain('Fuzz-Holder-Pass-7');
    expect(sensitiveFindings(logs('ab'), ['ab'])).toEqual([]);
  });

  it.each([
    ['a mainland mobile', 'sent to 13812345678'],
    ['a mobile in E.164', 'sent to +8613812345678'],
    ['an international mobile', 'sent to +85291234567'],
    ['an e-mail address', 'sent to zhang.san@example.com'],
    ['a recovery code', 'issued RK7M3Q9PA2XWD'],
    ['a printed recovery code', 'issued R-K7M3-Q9PA-2XWD'],
  ])('finds %s', (_label, line) => {
    const findings = sensitiveFindings(logs(line), []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).not.toContain(line.split(' ').pop());
  });

  it('finds a one-time code the test sent', () => {
    expect(sensitiveFindings(logs('checked 483920 ok'), ['483920'])).toHaveLength(1);
  });

  it('finds nothing in clean logs', () => {
    expect(sensitiveFindings(logs('annotation applied 01M815H17N0GRTW90X5BAQVGR9'), ['110105198803151232'])).toEqual([]);
    expect(
      sensitiveFindings(logs('{"timestamp":"2026-12-01T20:36:57.478Z","requestId":"dc2f3d8a-2c90-4aee-9b5c-3c6cf615a14c","latency":1234567}'), []),
    ).toEqual([]);
  });
});
