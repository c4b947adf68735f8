import { main } from '../../cli/main';
import type { Io } from '../../cli/common';

/**
 * The operator CLI as the tools use it: `main()` of cli/main.ts with the same arguments an operator types after
 * `npm run ecert --`, so records are made and removed by exactly the code paths operators run (import's validation
 * and upsert, revoke, test-data remove), never by writing the table directly.
 */
export interface CliResult {
  code: number;
  /** stdout lines (results). */
  out: string[];
  /** stderr lines (diagnostics, rejected rows). */
  err: string[];
}

export class CliFailure extends Error {
  override name = 'CliFailure';
  constructor(
    readonly args: string[],
    readonly result: CliResult,
  ) {
    super(`ecert ${args[0]} exited with ${result.code}: ${[...result.err, ...result.out].join(' | ') || '(no output)'}`);
  }
}

export async function ecert(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  // The import writes rejected rows and progress lines to a stream: collect them like stderr.
  const stderr = {
    isTTY: false,
    write: (chunk: string | Uint8Array) => {
      err.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line), stderr };
  const code = await main(args, io);
  return { code, out, err };
}

/** Runs a CLI command and throws with its output unless it exits 0. */
export async function ecertOk(args: string[]): Promise<CliResult> {
  const result = await ecert(args);
  if (result.code !== 0) throw new CliFailure(args, result);
  return result;
}

/** A helpdesk recovery code for a test identity (`ecert holder recovery-code`), as the operator would hand it over. */
export async function recoveryCode(person: { idType: string; idNumber: string }, cliArgs: readonly string[]): Promise<string> {
  const { out } = await ecertOk(['holder', 'recovery-code', person.idType, person.idNumber, ...cliArgs]);
  const code = out.map((line) => /^recovery code: (\S+)$/.exec(line)?.[1]).find(Boolean);
  if (!code) throw new Error(`ecert holder recovery-code printed no code: ${out.join(' | ')}`);
  return code;
}
