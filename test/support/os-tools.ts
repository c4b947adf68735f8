import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../shared/repo-root';

/**
 * The operating-system programs the tests use, all in one place: how each is found, which Debian package provides it,
 * and what it is for. Everything else the suite needs comes from npm (pages are rasterised with MuPDF's WebAssembly
 * build, test/support/pdf-raster.ts).
 *
 * A test gets a program with `osTool('qpdf')` or runs it with `runOsTool('qpdf', args)` — the name always a literal: before anything starts, the vitest
 * global setup (test/support/global-setup.ts) reads the selected test files and the support modules they import for
 * those calls, and makes sure every program they name is there. Missing ones are installed with apt-get when the run
 * is root on Debian; otherwise the run stops at once with one line naming the install command (never one failure
 * per test file). `osTool` throws that same line if a program was not declared or went missing.
 */
export interface OsTool {
  /** A name looked up on PATH, or an absolute path. */
  command: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  usedFor: string;
  /** Needed by every run, whatever the selected files (the global setup itself uses it). */
  always?: boolean;
}

export const OS_TOOLS = {
  java: {
    command: 'java',
    debianPackage: 'default-jre-headless',
    usedFor: 'DynamoDB Local, which every run starts (Java 17 or newer)',
    always: true,
  },
  chromium: {
    get command() {
      return process.env.ECERT_CHROMIUM || 'chromium';
    },
    debianPackage: 'chromium',
    usedFor: 'the portal browser tests (playwright-core drives it; npm browser downloads are not used)',
  },
  openssl: { command: 'openssl', debianPackage: 'openssl', usedFor: 'independent signature checks (cms -verify, ts -verify)' },
  qpdf: { command: 'qpdf', debianPackage: 'qpdf', usedFor: 'PDF structure checks (qpdf --check)' },
  pdfsig: { command: 'pdfsig', debianPackage: 'poppler-utils', usedFor: "poppler's PDF signature verifier" },
  mutool: { command: 'mutool', debianPackage: 'mupdf-tools', usedFor: "MuPDF's command-line tool" },
} satisfies Record<string, OsTool>;

export type OsToolName = keyof typeof OS_TOOLS;
const isToolName = (name: string): name is OsToolName => Object.hasOwn(OS_TOOLS, name);

/** The absolute path of a program, or undefined when it is not installed. */
export function findOsTool(name: OsToolName): string | undefined {
  const { command } = OS_TOOLS[name];
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(command)) return executable(command) ? command : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean);
  return dirs.map((dir) => join(dir, command)).find(executable);
}

/** The one line a run stops with when programs are missing and cannot be installed here. */
export function missingToolsLine(names: readonly OsToolName[], why = ''): string {
  const packages = [...new Set(names.map((name) => OS_TOOLS[name].debianPackage))];
  const chromium = names.includes('chromium') ? ' (or point ECERT_CHROMIUM at a Chromium binary)' : '';
  return (
    `ecert tests: ${names.join(', ')} not installed${why} — run: ` +
    `sudo apt-get install -y --no-install-recommends ${packages.join(' ')}${chromium}`
  );
}

/** A program's absolute path for a test; throws the install line when it is missing. */
export function osTool(name: OsToolName): string {
  const path = findOsTool(name);
  if (!path) throw new Error(missingToolsLine([name]));
  return path;
}

/** Runs a program (found with osTool) and returns its status and output; never throws for a non-zero status. */
export function runOsTool(name: OsToolName, args: readonly string[], options: { input?: Uint8Array } = {}): SpawnSyncReturns<string> {
  const result = spawnSync(osTool(name), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

const TOOL_CALL = /\b(?:osTool|runOsTool)\(\s*['"]([a-z]+)['"]/g;
const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [base, `${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')].find(
    (candidate) => candidate.endsWith('.ts') && existsSync(candidate),
  );
}

/**
 * The programs the given test files use: `osTool('…')`/`runOsTool('…')` calls in them and in every module of the repository they import
 * (transitively), plus those every run needs.
 */
export function toolsNeededBy(testFiles: readonly string[]): OsToolName[] {
  const needed = new Set<OsToolName>(
    (Object.keys(OS_TOOLS) as OsToolName[]).filter((name) => (OS_TOOLS[name] as OsTool).always),
  );
  // This module's own comments show the calls; they are not uses.
  const seen = new Set<string>([fileURLToPath(import.meta.url)]);
  const queue = [...testFiles];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || relative(REPO_ROOT, file).startsWith('..') || file.includes('/node_modules/')) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, name] of source.matchAll(TOOL_CALL)) {
      if (!isToolName(name!)) throw new Error(`${relative(REPO_ROOT, file)}: osTool('${name}') is not in OS_TOOLS (test/support/os-tools.ts)`);
      needed.add(name);
    }
    for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) {
      const target = resolveImport(file, specifier!);
      if (target) queue.push(target);
    }
  }
  return (Object.keys(OS_TOOLS) as OsToolName[]).filter((name) => needed.has(name));
}

export type EnsureResult = { ok: true; installed: string[] } | { ok: false; line: string };

/**
 * Makes sure the programs are there: installs the missing ones with apt-get when running as root (unless
 * ECERT_TEST_INSTALL=off), otherwise answers the one line to stop with.
 */
export function ensureOsTools(names: readonly OsToolName[], log: (line: string) => void): EnsureResult {
  const missing = names.filter((name) => !findOsTool(name));
  if (missing.length === 0) return { ok: true, installed: [] };
  const root = process.getuid?.() === 0;
  const aptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error === undefined;
  if (!root || !aptGet || process.env.ECERT_TEST_INSTALL === 'off') {
    const why = process.env.ECERT_TEST_INSTALL === 'off' ? ' (ECERT_TEST_INSTALL=off)' : !aptGet ? ' (no apt-get here)' : '';
    return { ok: false, line: missingToolsLine(missing, why) };
  }
  const packages = [...new Set(missing.map((name) => OS_TOOLS[name].debianPackage))];
  const started = Date.now();
  log(`ecert tests: installing ${packages.join(' ')} with apt-get for ${missing.join(', ')} (once per machine)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let output = '';
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const step = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    output += `${step.stdout ?? ''}${step.stderr ?? ''}`;
    if (step.status !== 0) {
      const tail = output.trim().split('\n').slice(-1)[0] ?? '';
      return { ok: false, line: missingToolsLine(missing, ` (apt-get ${args[0]} failed: ${tail})`) };
    }
  }
  const still = missing.filter((name) => !findOsTool(name));
  if (still.length > 0) return { ok: false, line: missingToolsLine(still, ' (still missing after apt-get install)') };
  log(`ecert tests: installed ${packages.join(' ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { ok: true, installed: packages };
}
