import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resetClients } from '../shared/aws/clients';
import { ConfigurationError } from '../shared/config/env';
import { CertificateNotFoundError, ElectronicFileNotAllowedError } from '../shared/repository/certificates';
import { NotAPdfError } from '../shared/repository/documents';
import { IssuingCaError } from '../shared/signing/issuing-ca';
import { ATTACH_FILE_HELP, attachFileCommand } from './attach-file-command';
import { AUDIT_HELP, auditCommand } from './audit-command';
import { REPORT_HELP, reportCommand } from './report-command';
import { EXIT, processIo, TARGET_HELP, UsageError, type Io } from './common';
import { DLQ_HELP, dlqCommand } from './dlq-command';
import { describeError, isTargetError } from '../shared/import/importer';
import { HOLDER_HELP, holderCommand } from './holder-command';
import { IMPORT_HELP, importCommand } from './import-command';
import { REVOKE_HELP, revokeCommand } from './revoke-command';
import { SIGNING_KEY_HELP, signingKeyCommand } from './signing-key-command';
import { TEST_DATA_HELP, testDataCommand } from './test-data-command';
import { SourceError } from '../shared/import/sources';
import { TargetError } from '../shared/target/resolve';

/**
 * The operator CLI: `npm run ecert -- <command> [options]`. Each command sets its target (local stack or deployed
 * stack) before any AWS client exists. Output never contains an ID number: results go to stdout, diagnostics to
 * stderr.
 */
// Node 20 is supported by the SDK versions we pin; its once-per-process notice would only clutter operator output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMANDS = {
  import: { run: importCommand, help: IMPORT_HELP, summary: 'load certificate records from a CSV or JSON Lines file' },
  revoke: { run: revokeCommand, help: REVOKE_HELP, summary: 'revoke a certificate, or every certificate listed in a file' },
  'attach-file': {
    run: attachFileCommand,
    help: ATTACH_FILE_HELP,
    summary: 'attach a certificate electronic file (PDF) to a pre-2021-12-17 certificate',
  },
  audit: { run: auditCommand, help: AUDIT_HELP, summary: 'show the audit trail of a certificate, holder, run or system part' },
  report: { run: reportCommand, help: REPORT_HELP, summary: 'annotations, apply → READY latency and verifications over a period' },
  holder: {
    run: holderCommand,
    help: HOLDER_HELP,
    summary: 'helpdesk: recovery-code, unlock or show a holder identity (audited)',
  },
  'signing-key': {
    run: signingKeyCommand,
    help: SIGNING_KEY_HELP,
    summary: 'init, install or show the key that signs annotated PDFs',
  },
  'test-data': { run: testDataCommand, help: TEST_DATA_HELP, summary: 'remove the test records smoke and load runs made' },
  dlq: { run: dlqCommand, help: DLQ_HELP, summary: 'list or redrive the render dead-letter queue' },
} as const satisfies Record<string, { run: (args: string[], io: Io, signal?: AbortSignal) => Promise<number>; help: string; summary: string }>;

type CommandName = keyof typeof COMMANDS;

export const MAIN_HELP = `Usage: npm run ecert -- <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'npm run ecert -- <command> --help' for a command's options.

${TARGET_HELP}`;

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

export async function main(argv: string[], io: Io = processIo, signal?: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && isCommand(rest[0])) {
      io.out(COMMANDS[rest[0]].help);
      return EXIT.ok;
    }
    (name === undefined ? io.err : io.out)(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!isCommand(name)) {
    io.err(`ecert: unknown command '${name}'\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  try {
    return await COMMANDS[name].run(rest, io, signal);
  } catch (error) {
    return report(error, name, io);
  } finally {
    resetClients();
  }
}

function report(error: unknown, command: CommandName, io: Io): number {
  const code = (error as { code?: string }).code;
  if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`ecert ${command}: ${(error as Error).message}`);
    io.err(`run 'npm run ecert -- ${command} --help' for usage`);
    return EXIT.usage;
  }
  if (error instanceof TargetError || error instanceof ConfigurationError || error instanceof SourceError) {
    io.err(`ecert ${command}: ${error.message}`);
    return EXIT.usage;
  }
  if (
    error instanceof CertificateNotFoundError ||
    error instanceof ElectronicFileNotAllowedError ||
    error instanceof NotAPdfError ||
    error instanceof IssuingCaError
  ) {
    io.err(`ecert ${command}: ${error.message}`);
    return EXIT.failed;
  }
  if (isTargetError(error)) {
    io.err(`ecert ${command}: the target refused the request: ${describeError(error)}`);
    return EXIT.usage;
  }
  io.err(`ecert ${command}: failed: ${describeError(error)}`);
  return EXIT.failed;
}

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // First Ctrl-C: stop reading, let writes in flight finish, print the summary. Second: leave at once.
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: finishing the writes in flight (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  process.exitCode = await main(process.argv.slice(2), processIo, controller.signal);
}
