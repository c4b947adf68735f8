import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERTIFICATE_COLUMNS, OPTIONAL_COLUMNS } from '../../shared/domain/certificate-record';
import { OS_TOOLS, toolsNeededBy } from '../support/os-tools';
import { REPO_ROOT } from '../support/processes';

// The README is a newcomer's first page: what it states about the machine and the import format must stay true.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('lists exactly the import columns the importer accepts, in order, and says which is optional', () => {
    const section = readme.slice(readme.indexOf('## Operator CLI'), readme.indexOf('## Deploy'));
    const rows = [...section.matchAll(/^\| `([A-Za-z]+)` \| (.*) \|$/gm)];
    expect(rows.map((r) => r[1])).toEqual([...CERTIFICATE_COLUMNS]);
    for (const [, column, text] of rows) expect(text!.startsWith('optional'), column).toBe((OPTIONAL_COLUMNS as readonly string[]).includes(column!));
  });

  it('names the Debian package of every OS program the tests use', () => {
    const testFiles = (readdirSync(join(REPO_ROOT, 'test'), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => join(REPO_ROOT, 'test', file));
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('### Configuration'));
    const needed = toolsNeededBy(testFiles).filter((name) => name !== 'java');
    expect(needed).toContain('chromium');
    for (const name of needed) expect(quickStart, name).toContain(`\`${OS_TOOLS[name].debianPackage}\``);
    expect(quickStart).toContain('Java ≥ 17');
  });
});
