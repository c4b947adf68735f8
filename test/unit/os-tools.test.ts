import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureOsTools, findOsTool, missingToolsLine, toolsNeededBy } from '../support/os-tools';
import { REPO_ROOT } from '../support/processes';

// The one place the tests' OS programs are found, installed or named (test/support/os-tools.ts).
const fixtures = join(REPO_ROOT, 'test-results/os-tools-fixtures');
// Built, not written out: the global setup reads this file too, and must not take the fixtures' calls for its own.
const call = (fn: string, tool: string, args = '') => `${fn}('${tool}'${args})`;

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(fixtures, { recursive: true, force: true });
});

describe('the OS programs the tests use', () => {
  it('are found through the osTool calls of a test file and of the modules it imports', async () => {
    // Prepare: a test that imports a helper that runs openssl, and one that uses nothing.
    await mkdir(join(fixtures, 'support'), { recursive: true });
    await writeFile(join(fixtures, 'support/helper.ts'), `import { runOsTool } from './x';\nexport const v = () => ${call('runOsTool', 'openssl', ", ['version']")};\n`);
    await writeFile(join(fixtures, 'a.test.ts'), `import { v } from './support/helper';\nimport { osTool } from './y';\n${call('osTool', 'qpdf')};\n`);
    await writeFile(join(fixtures, 'b.test.ts'), "import { it } from 'vitest';\n");
    // Act / Assess
    expect(toolsNeededBy([join(fixtures, 'a.test.ts')])).toEqual(['java', 'openssl', 'qpdf']);
    expect(toolsNeededBy([join(fixtures, 'b.test.ts')])).toEqual(['java']);
  });

  it('refuses a program the module does not declare', async () => {
    await mkdir(fixtures, { recursive: true });
    await writeFile(join(fixtures, 'c.test.ts'), `${call('osTool', 'ghostscript')};\n`);
    expect(() => toolsNeededBy([join(fixtures, 'c.test.ts')])).toThrow(/osTool\('ghostscript'\) is not in OS_TOOLS/);
  });

  it('stop a run that cannot install them with one line naming the exact command', () => {
    vi.stubEnv('ECERT_TEST_INSTALL', 'off');
    vi.stubEnv('ECERT_CHROMIUM', '/nonexistent/chromium');
    expect(findOsTool('chromium')).toBeUndefined();
    const result = ensureOsTools(['java', 'chromium'], () => undefined);
    expect(result).toEqual({
      ok: false,
      line:
        'ecert tests: chromium not installed (ECERT_TEST_INSTALL=off) — run: sudo apt-get install -y --no-install-recommends ' +
        'chromium (or point ECERT_CHROMIUM at a Chromium binary)',
    });
    const several = missingToolsLine(['pdfsig', 'qpdf', 'mutool']);
    expect(several).toBe('ecert tests: pdfsig, qpdf, mutool not installed — run: sudo apt-get install -y --no-install-recommends poppler-utils qpdf mupdf-tools');
  });

  it('find a program on PATH by its absolute path', () => {
    expect(findOsTool('java')).toMatch(/^\/.*\/java$/);
  });
});
