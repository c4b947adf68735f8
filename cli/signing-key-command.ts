import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ENV } from '../shared/config/env';
import { generateSelfSignedMaterial, loadSigningKey } from '../shared/signing/key-material';
import {
  assembleSigningKey,
  describeSigningKey,
  inspectSigningKey,
  MAX_RSA_BITS,
  MIN_RSA_BITS,
  readSecretString,
  SELF_SIGNED_COMMON_NAME,
  writeSecretString,
  type CertificateSummary,
} from '../shared/signing/key-store';
import { localSigningKeyFile, replaceLocalSecret } from '../shared/target/local-secrets';
import { AUDIT_ACTIONS } from '../shared/domain/audit';
import { recordSigningKeyChange } from './audit-record';
import { EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { TargetError, useStackTarget, type TargetSpec } from '../shared/target/resolve';

export const SIGNING_KEY_HELP = `Usage: npm run ecert -- signing-key <init|install|show> [options]

Manages the key that signs every annotated PDF (docs/signing.md): a JSON bundle {privateKeyPem, certificatePem,
chainPem?} in the stack's signing-key secret (Secrets Manager), or locally in <data-dir>/secrets/signing-key.json.
Key material is never printed.

  init [--force]        generate a self-signed RSA-${MIN_RSA_BITS} key and certificate and store it; refuses to replace a
                        valid key unless --force is given
  install --key <private-key.pem> --cert <certificate.pem> [--chain <chain.pem>]
                        store a CA-issued key: RSA ${MIN_RSA_BITS}–${MAX_RSA_BITS} bits, unencrypted PEM; the certificate must belong to the
                        key, be valid now and allow digitalSignature/nonRepudiation. Certificates after the first one in
                        --cert, then those in --chain, form the chain (each issued the one before it)
  show                  print the installed certificate: subject, issuer, validity, SHA-256 fingerprint

${TARGET_HELP}
  For signing-key the local data folder need not be running: the key file is read and written directly.

Running functions cache the key: the local stack uses a new key after a restart, Lambda containers on their next cold
start (docs/signing.md, "Rotation").

Exit codes: 0 done; 1 refused (a valid key exists without --force, invalid key or certificate, no key to show);
2 usage error or unreachable target.`;

const SUBCOMMANDS = ['init', 'install', 'show'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** PEM files larger than this are not keys or certificates. */
const MAX_PEM_BYTES = 1024 * 1024;

/** Where the key bundle lives for the chosen target. */
interface KeyStore {
  /** For messages. */
  where: string;
  /** Organization (O) of a generated self-signed certificate. */
  organization: string;
  /** What an operator must know after a write. */
  afterWrite: string;
  read(): Promise<string | undefined>;
  write(json: string): Promise<void>;
  /** Where the change is recorded in the audit trail (issue 13). */
  spec: TargetSpec;
}

export async function signingKeyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      force: { type: 'boolean' },
      key: { type: 'string' },
      cert: { type: 'string' },
      chain: { type: 'string' },
    },
  });
  if (values.help) {
    io.out(SIGNING_KEY_HELP);
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (sub === undefined) throw new UsageError(`a subcommand is required: ${SUBCOMMANDS.join(', ')}`, 'signing-key');
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'; expected one of ${SUBCOMMANDS.join(', ')}`, 'signing-key');
  }
  if (extra.length > 0) throw new UsageError(`signing-key ${sub} takes no further arguments`, 'signing-key');
  const subcommand = sub as Subcommand;
  if (values.force && subcommand !== 'init') throw new UsageError('--force applies only to init', 'signing-key');
  const fileOptions = (['key', 'cert', 'chain'] as const).filter((name) => values[name] !== undefined);
  if (subcommand !== 'install' && fileOptions.length > 0) {
    throw new UsageError(`--${fileOptions[0]} applies only to install`, 'signing-key');
  }

  switch (subcommand) {
    case 'init':
      return init(await openStore(targetOf(values)), values.force === true, io);
    case 'install': {
      if (values.key === undefined || values.cert === undefined) throw new UsageError('install needs --key and --cert', 'signing-key');
      const files = {
        privateKeyPem: await readPemFile(values.key, '--key'),
        certificatePem: await readPemFile(values.cert, '--cert'),
        ...(values.chain !== undefined ? { chainPem: await readPemFile(values.chain, '--chain') } : {}),
      };
      return install(await openStore(targetOf(values)), files, io);
    }
    case 'show':
      return show(await openStore(targetOf(values)), io);
  }
}

async function init(store: KeyStore, force: boolean, io: Io): Promise<number> {
  const current = inspectSigningKey(await store.read());
  if (current.kind === 'valid' && !force) {
    const { fingerprint, subject } = describeSigningKey(current.key);
    io.err(
      `ecert signing-key: ${store.where} already holds a valid signing key (${subject}, sha256 ${fingerprint}); ` +
        'pass --force to replace it with a new self-signed one',
    );
    return EXIT.failed;
  }
  const json = JSON.stringify(generateSelfSignedMaterial({ commonName: SELF_SIGNED_COMMON_NAME, organization: store.organization }));
  const summary = describeSigningKey(loadSigningKey(json));
  await store.write(json);
  await recordSigningKeyChange(store.spec, AUDIT_ACTIONS.signingKeyInit, summary, io);
  io.out(`stored a self-signed signing key in ${store.where}${replacedNote(current)}`);
  printSummary(summary, io);
  io.out(store.afterWrite);
  return EXIT.ok;
}

async function install(store: KeyStore, files: Parameters<typeof assembleSigningKey>[0], io: Io): Promise<number> {
  const { json, key } = assembleSigningKey(files);
  const summary = describeSigningKey(key);
  const current = inspectSigningKey(await store.read());
  await store.write(json);
  await recordSigningKeyChange(store.spec, AUDIT_ACTIONS.signingKeyInstall, summary, io);
  io.out(`installed the signing key in ${store.where}${replacedNote(current, key.fingerprint)}`);
  printSummary(summary, io);
  if (summary.selfSigned) io.err('note: the certificate is self-signed: PDF readers will not show the seal as trusted');
  io.out(store.afterWrite);
  return EXIT.ok;
}

async function show(store: KeyStore, io: Io): Promise<number> {
  const current = inspectSigningKey(await store.read());
  if (current.kind === 'absent') {
    io.err(`ecert signing-key: ${store.where} holds no signing key: run 'signing-key init' or 'signing-key install'`);
    return EXIT.failed;
  }
  if (current.kind === 'invalid') {
    io.err(`ecert signing-key: ${store.where} holds no usable signing key (${current.problem})`);
    return EXIT.failed;
  }
  io.out(`signing key in ${store.where}`);
  printSummary(describeSigningKey(current.key), io);
  return EXIT.ok;
}

function replacedNote(previous: ReturnType<typeof inspectSigningKey>, next?: string): string {
  if (previous.kind !== 'valid') return '';
  if (previous.key.fingerprint === next) return ' (the same certificate was already installed)';
  return ` (replacing sha256 ${previous.key.fingerprint}: documents signed with it stay verifiable by their record)`;
}

function printSummary(summary: CertificateSummary, io: Io): void {
  const rows: [string, string][] = [
    ['subject', summary.subject],
    ['issuer', summary.issuer],
    ['serial', summary.serialNumber],
    ['valid from', summary.validFrom],
    ['valid to', summary.validTo],
    ['sha256', summary.fingerprint],
    ['key', summary.keyType],
    ['self-signed', summary.selfSigned ? 'yes' : 'no'],
    ['chain', `${summary.chainLength} certificate(s)`],
  ];
  for (const [label, value] of rows) io.out(`  ${label.padEnd(12)} ${value}`);
}

async function readPemFile(path: string, option: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${option}: ${path} is not a readable file`, 'signing-key');
  if (info.size > MAX_PEM_BYTES) throw new UsageError(`${option}: ${path} is too large for a PEM key or certificate`, 'signing-key');
  return readFile(path, 'utf8');
}

async function openStore(spec: TargetSpec): Promise<KeyStore> {
  if (spec.kind === 'local') {
    const file = localSigningKeyFile(spec.dataDir);
    return {
      spec,
      where: file,
      organization: 'ecert (local)',
      afterWrite: 'a running local stack (npm start) signs with it after a restart',
      read: async () => {
        try {
          return await readFile(file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      },
      write: (json) => replaceLocalSecret(file, json),
    };
  }
  await useStackTarget(spec.stackName, spec.region);
  const secretArn = process.env[ENV.signingKeySecret];
  if (!secretArn) {
    throw new TargetError(`stack ${spec.stackName} has no SigningKeySecretArn output: deploy the current version of the stack first`);
  }
  return {
    spec,
    where: `the signing-key secret of stack ${spec.stackName}`,
    organization: spec.stackName,
    afterWrite:
      'render functions sign with it from their next cold start; to switch at once, redeploy or update the render ' +
      'function configuration (docs/signing.md, "Rotation")',
    read: () => readSecretString(secretArn),
    write: (json) => writeSecretString(secretArn, json),
  };
}

