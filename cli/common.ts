import { resolve } from 'node:path';
import { isCertId } from '../shared/domain/certificate';
import { DEFAULT_STACK_NAME } from '../shared/resources/outputs';
import { DEFAULT_DATA_DIR } from '../shared/target/local-target';
import type { TargetSpec } from '../shared/target/resolve';

/** What the commands share: exit codes, the output channels, the target options every command takes. */
export const EXIT = {
  ok: 0,
  /** Some rows failed, or the operation itself was refused (unknown certificate, not a PDF...). */
  failed: 1,
  /** Wrong usage, an unusable file, or a target that cannot be reached. Nothing (more) was done. */
  usage: 2,
  interrupted: 130,
} as const;

export interface Io {
  /** Results, one line each (stdout). */
  out(line: string): void;
  /** Diagnostics (stderr). */
  err(line: string): void;
  stderr: NodeJS.WriteStream;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stderr: process.stderr,
};

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** node:util parseArgs option specs for the target, accepted by every command. */
export const TARGET_OPTIONS = {
  'data-dir': { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TARGET_HELP = `Target (default: the local stack started with 'npm start'):
  --data-dir <dir>   the local stack's data folder (default: $ECERT_DATA_DIR or .local-data)
  --stack <name>     a deployed stack instead (e.g. ${DEFAULT_STACK_NAME}); uses your normal AWS credentials
  --region <region>  the deployed stack's region (default: your AWS configuration's)
  -h, --help         this help`;

export function targetOf(values: { 'data-dir'?: string; stack?: string; region?: string }): TargetSpec {
  if (values.stack !== undefined) {
    if (values['data-dir'] !== undefined) throw new UsageError('--stack and --data-dir exclude each other');
    if (!values.stack.trim()) throw new UsageError('--stack needs a stack name');
    return { kind: 'stack', stackName: values.stack.trim(), ...(values.region ? { region: values.region } : {}) };
  }
  if (values.region !== undefined) throw new UsageError('--region applies only with --stack');
  return { kind: 'local', dataDir: values['data-dir'] !== undefined ? resolve(values['data-dir']) : DEFAULT_DATA_DIR };
}

/** A whole-number option from 1 to `max`, or `fallback` when it is not given. */
export function positiveInt(value: string | undefined, name: string, fallback: number, max: number, command: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}`, command);
  return n;
}

export function certIdArgument(value: string | undefined, command: string): string {
  if (value === undefined) throw new UsageError('a certificate id (管理号) is required', command);
  const certId = value.trim();
  if (!isCertId(certId)) throw new UsageError(`'${certId}' is not a certificate id (1–40 letters, digits or -)`, command);
  return certId;
}
