import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { kms } from '../shared/aws/clients';
import { ENV } from '../shared/config/env';
import { generateFileCaBundle, kmsSigner, selfSignedCaCertificate, type IssuingCaBundle } from '../shared/signing/issuing-ca';
import {
  assembleCaBundle,
  describeCa,
  inspectCaBundle,
  readSecretString,
  writeSecretString,
  type CaBundleState,
  type CaSummary,
} from '../shared/signing/key-store';
import { certificationRequest, pemOf, type NamePart } from '../shared/signing/x509';
import { localSigningKeyFile, replaceLocalSecret } from '../shared/target/local-secrets';
import { AUDIT_ACTIONS } from '../shared/domain/audit';
import { recordSigningKeyChange } from './audit-record';
import { EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { TargetError, useStackTarget, type TargetSpec } from '../shared/target/resolve';

export const SIGNING_KEY_HELP = `Usage: npm run ecert -- signing-key <init|install|csr|show> [options]

Manages the seal's issuing CA (docs/signing.md): the CA that certifies each render container's ephemeral key for a
few hours and signs the CRL. In the cloud its key is the stack's KMS key and the stack's signing-key secret holds
the bundle {kmsKeyId, certificatePem, chainPem?} (no private key); locally <data-dir>/secrets/signing-key.json holds
{privateKeyPem, certificatePem, chainPem?}. Key material is never printed.

  init [--force]        a self-signed CA certificate: locally with a new file key; for --stack with the stack's KMS
                        key (one kms:Sign). Refuses to replace a valid CA without --force
  csr --subject <"/C=CN/O=…/CN=…">
                        (--stack) print a PKCS #10 request signed by the KMS key, for a real CA to issue the seal's
                        issuing CA as its subordinate (CA:true, pathLen 0)
  install --cert <ca.pem> [--chain <chain.pem>] [--key <ca.key>]
                        store a CA certificate issued for the key (--stack: the KMS key; locally: --key). It must be a
                        CA certificate valid now; certificates after the first in --cert, then --chain, form the chain
  show                  print the installed CA: subject, issuer, validity, SHA-256 fingerprint, where the key is

${TARGET_HELP}
  For signing-key the local data folder need not be running: the bundle file is read and written directly.

Render containers re-read the bundle every 5 minutes and get a new key and certificate when the CA changed: no
redeployment or cold start is needed (docs/signing.md, "Rotation").

Exit codes: 0 done; 1 refused (a valid CA exists without --force, invalid certificate, nothing to show);
2 usage error or unreachable target.`;

const SUBCOMMANDS = ['init', 'install', 'csr', 'show'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** PEM files larger than this are not keys or certificates. */
const MAX_PEM_BYTES = 1024 * 1024;

/** Where the bundle lives for the chosen target. */
interface BundleStore {
  where: string;
  organization: string;
  afterWrite: string;
  read(): Promise<string | undefined>;
  write(json: string): Promise<void>;
  /** Where the change is recorded in the audit trail (issue 13). */
  spec: TargetSpec;
  /** Cloud: the stack's KMS key, from the installed bundle. */
  kmsKey?(): Promise<{ keyId: string; publicKey: KeyObject }>;
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
      subject: { type: 'string' },
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
  if (subcommand !== 'install' && fileOptions.length > 0) throw new UsageError(`--${fileOptions[0]} applies only to install`, 'signing-key');
  if (subcommand !== 'csr' && values.subject !== undefined) throw new UsageError('--subject applies only to csr', 'signing-key');

  switch (subcommand) {
    case 'init':
      return init(await openStore(targetOf(values)), values.force === true, io);
    case 'install': {
      if (values.cert === undefined) throw new UsageError('install needs --cert', 'signing-key');
      const target = targetOf(values);
      if (target.kind === 'local' && values.key === undefined) throw new UsageError('install needs --key for the local CA', 'signing-key');
      if (target.kind !== 'local' && values.key !== undefined) {
        throw new UsageError('--key applies only to the local CA: in the cloud the key is the stack’s KMS key', 'signing-key');
      }
      const files = {
        certificatePem: await readPemFile(values.cert, '--cert'),
        ...(values.chain !== undefined ? { chainPem: await readPemFile(values.chain, '--chain') } : {}),
        ...(values.key !== undefined ? { privateKeyPem: await readPemFile(values.key, '--key') } : {}),
      };
      return install(await openStore(target), files, io);
    }
    case 'csr': {
      if (values.subject === undefined) throw new UsageError('csr needs --subject "/C=CN/O=…/CN=…"', 'signing-key');
      const store = await openStore(targetOf(values));
      if (!store.kmsKey) throw new UsageError('csr is for the stack’s KMS key (--stack)', 'signing-key');
      return csr(store, parseSubject(values.subject), io);
    }
    case 'show':
      return show(await openStore(targetOf(values)), io);
  }
}

async function init(store: BundleStore, force: boolean, io: Io): Promise<number> {
  const current = await inspect(store);
  if (current.kind === 'valid' && !force) {
    const { fingerprint, subject } = describeCa(current.ca);
    io.err(`ecert signing-key: ${store.where} already holds a valid issuing CA (${subject}, sha256 ${fingerprint}); pass --force to replace it with a new self-signed one`);
    return EXIT.failed;
  }
  let bundle: IssuingCaBundle;
  if (store.kmsKey) {
    const { keyId, publicKey } = await store.kmsKey();
    const der = await selfSignedCaCertificate({ publicKey, signer: kmsSigner(keyId, signingAlgorithm(publicKey)), organization: store.organization });
    bundle = { kmsKeyId: keyId, certificatePem: pemOf(der) };
  } else {
    bundle = await generateFileCaBundle({ organization: store.organization, bits: 2048 });
  }
  // The same checks an operator's certificate gets.
  const { json, ca } = assembleCaBundle({
    certificatePem: bundle.certificatePem,
    ...(store.kmsKey ? { kms: await store.kmsKey() } : { privateKeyPem: bundle.privateKeyPem! }),
  });
  const summary = describeCa(ca);
  await store.write(json);
  await recordSigningKeyChange(store.spec, AUDIT_ACTIONS.signingKeyInit, summary, io);
  io.out(`stored a self-signed issuing CA in ${store.where}${replacedNote(current)}`);
  printSummary(summary, io);
  io.out(store.afterWrite);
  return EXIT.ok;
}

async function install(store: BundleStore, files: { certificatePem: string; chainPem?: string; privateKeyPem?: string }, io: Io): Promise<number> {
  const kmsKey = store.kmsKey ? await store.kmsKey() : undefined;
  const { json, ca } = assembleCaBundle({ ...files, ...(kmsKey ? { kms: kmsKey } : {}) });
  const summary = describeCa(ca);
  const current = await inspect(store);
  await store.write(json);
  await recordSigningKeyChange(store.spec, AUDIT_ACTIONS.signingKeyInstall, summary, io);
  io.out(`installed the issuing CA in ${store.where}${replacedNote(current, ca.fingerprint)}`);
  printSummary(summary, io);
  if (summary.selfSigned) io.err('note: the CA certificate is self-signed: PDF readers will not show the seal as trusted');
  io.out(store.afterWrite);
  return EXIT.ok;
}

async function csr(store: BundleStore, subject: NamePart[], io: Io): Promise<number> {
  const { keyId, publicKey } = await store.kmsKey!();
  const der = await certificationRequest({ subject, publicKey }, kmsSigner(keyId, signingAlgorithm(publicKey)));
  io.out(pemOf(der, 'CERTIFICATE REQUEST').trimEnd());
  return EXIT.ok;
}

async function show(store: BundleStore, io: Io): Promise<number> {
  const current = await inspect(store);
  if (current.kind === 'absent') {
    io.err(`ecert signing-key: ${store.where} holds no issuing CA: run 'signing-key init' or 'signing-key install'`);
    return EXIT.failed;
  }
  if (current.kind === 'invalid') {
    io.err(`ecert signing-key: ${store.where} holds no usable issuing CA (${current.problem})`);
    return EXIT.failed;
  }
  io.out(`issuing CA in ${store.where}`);
  printSummary(describeCa(current.ca), io);
  return EXIT.ok;
}

async function inspect(store: BundleStore): Promise<CaBundleState> {
  const json = await store.read();
  if (!store.kmsKey) return inspectCaBundle(json, { allowFileKey: true });
  const state = inspectCaBundle(json, { allowFileKey: false });
  if (state.kind !== 'valid') return state;
  return inspectCaBundle(json, { kmsPublicKey: (await store.kmsKey()).publicKey });
}

const signingAlgorithm = (publicKey: KeyObject) => (publicKey.asymmetricKeyType === 'ec' ? 'ECDSA_SHA_256' : 'RSASSA_PKCS1_V1_5_SHA_256');

function parseSubject(text: string): NamePart[] {
  const parts = text.split('/').filter(Boolean).map((part) => {
    const [key, ...value] = part.split('=');
    if (!['C', 'O', 'OU', 'CN'].includes(key ?? '') || value.length === 0) {
      throw new UsageError(`--subject: "${part}" is not C=, O=, OU= or CN=`, 'signing-key');
    }
    return [key, value.join('=')] as NamePart;
  });
  if (!parts.some(([key]) => key === 'CN')) throw new UsageError('--subject needs a CN', 'signing-key');
  return parts;
}

function replacedNote(previous: CaBundleState, next?: string): string {
  if (previous.kind !== 'valid') return '';
  if (previous.ca.fingerprint === next) return ' (the same certificate was already installed)';
  return ` (replacing sha256 ${previous.ca.fingerprint}: documents sealed under it stay verifiable by their records)`;
}

function printSummary(summary: CaSummary, io: Io): void {
  const rows: [string, string][] = [
    ['subject', summary.subject],
    ['issuer', summary.issuer],
    ['serial', summary.serialNumber],
    ['valid from', summary.validFrom],
    ['valid to', summary.validTo],
    ['sha256', summary.fingerprint],
    ['key', `${summary.keyType} (${summary.keyLocation})`],
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

async function openStore(spec: TargetSpec): Promise<BundleStore> {
  if (spec.kind === 'local') {
    const file = localSigningKeyFile(spec.dataDir);
    return {
      spec,
      where: file,
      organization: 'ecert (local)',
      afterWrite: 'a running local stack (npm start) picks it up within 5 minutes (or at once after a restart)',
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
  let key: { keyId: string; publicKey: KeyObject } | undefined;
  return {
    spec,
    where: `the signing-key secret of stack ${spec.stackName}`,
    organization: spec.stackName,
    afterWrite: 'render containers switch to it within 5 minutes, without a redeployment (docs/signing.md, "Rotation")',
    read: () => readSecretString(secretArn),
    write: (json) => writeSecretString(secretArn, json),
    async kmsKey() {
      if (key) return key;
      // The stack's KMS key is named by the bundle its SigningKeyInit stored on the first deployment.
      let keyId: string | undefined;
      try {
        keyId = (JSON.parse((await readSecretString(secretArn)) ?? '{}') as IssuingCaBundle).kmsKeyId;
      } catch {
        keyId = undefined;
      }
      if (!keyId) throw new TargetError(`stack ${spec.stackName} has no issuing-CA bundle with a KMS key yet: deploy the stack first (its SigningKeyInit makes one)`);
      const out = await kms().send(new GetPublicKeyCommand({ KeyId: keyId }));
      key = { keyId, publicKey: createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }) };
      return key;
    },
  };
}

