import { gb11643CheckChar } from '../../shared/domain/identity';

/**
 * Scans captured log text for what must never be logged: any JWT (bearer tokens are `eyJ…`), anything shaped like a
 * resident ID number with a valid check character, and the exact sensitive values a test sent (ID numbers, passwords,
 * tokens). Findings are described without repeating the value, so a failure does not itself leak it.
 */
const JWT = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const RESIDENT_ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;

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
  for (const value of new Set(exact)) {
    // Shorter values would match ordinary words; every sensitive value the tests send is longer.
    if (value.length < 6) continue;
    const at = text.indexOf(value);
    if (at !== -1) findings.push(`sent sensitive value ${describe(value)} at offset ${at}`);
  }
  return findings;
}
