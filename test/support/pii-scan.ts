import { gb11643CheckChar } from '../../shared/domain/identity';

/**
 * Scans captured log text for what must never be logged: any JWT (bearer tokens are `eyJ…`), anything shaped like a
 * resident ID number with a valid check character, a mobile number, an e-mail address, a helpdesk recovery code, and
 * the exact sensitive values a test sent (ID numbers, passwords, tokens, contacts, one-time codes). Findings are
 * described without repeating the value, so a failure does not itself leak it.
 */
const JWT = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const RESIDENT_ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
/** A mainland mobile, bare or in E.164 (+86…), or any other E.164 number. */
const MOBILE = /(?<![0-9A-Za-z+])(?:\+861[3-9]\d{9}|1[3-9]\d{9}|\+[1-9]\d{7,14})(?![0-9A-Za-z])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** R and 12 Crockford base32 characters, bare or printed in groups (shared/domain/one-time-code.ts). */
const RECOVERY_CODE = /(?<![0-9A-Za-z])R-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}(?![0-9A-Za-z])/g;

/** An ID-shaped value: what the log scan looks for among everything a test sent (15–18 letters and digits). */
export const ID_SHAPED = /^[0-9A-Za-z]{15,18}$/;

const describe = (value: string) => `${JSON.stringify(value.slice(0, 3))}… (${value.length} chars)`;

export function sensitiveFindings(text: string, exact: Iterable<string>): string[] {
  const findings: string[] = [];
  for (const match of text.matchAll(JWT)) findings.push(`JWT-shaped text ${describe(match[0])} at offset ${match.index}`);
  for (const match of text.matchAll(RESIDENT_ID)) {
    const id = match[0].toUpperCase();
    if (gb11643CheckChar(id) === id[17]) findings.push(`resident-ID-shaped number ${describe(id)} at offset ${match.index}`);
  }
  for (const match of text.matchAll(MOBILE)) findings.push(`mobile-number-shaped text ${describe(match[0])} at offset ${match.index}`);
  for (const match of text.matchAll(EMAIL)) findings.push(`e-mail-address-shaped text ${describe(match[0])} at offset ${match.index}`);
  for (const match of text.matchAll(RECOVERY_CODE)) findings.push(`recovery-code-shaped text ${describe(match[0])} at offset ${match.index}`);
  for (const value of new Set(exact)) {
    // Shorter values would match ordinary words; every sensitive value the tests send is longer.
    if (value.length < 6) continue;
    const at = text.indexOf(value);
    if (at !== -1) findings.push(`sent sensitive value ${describe(value)} at offset ${at}`);
  }
  return findings;
}
