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

  it('finds nothing in clean logs', () => {
    expect(sensitiveFindings(logs('annotation applied 01M815H17N0GRTW90X5BAQVGR9'), ['110105198803151232'])).toEqual([]);
  });
});
