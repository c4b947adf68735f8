import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSigningKeyFile } from '../../shared/target/local-secrets';
import { generateFileCaBundle, loadIssuingCa } from '../../shared/signing/issuing-ca';
import { runCli, type CliRun } from '../support/cli';
import { issue, testChain } from '../support/signing-certs';

/**
 * `ecert signing-key` as an operator runs it: a child process against a local data folder (no running stack is
 * needed for this command), reading real PEM files. Every run's output is checked for key material at the end.
 */
const runs: CliRun[] = [];

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(['signing-key', ...args]);
  runs.push(run);
  return run;
}

const fingerprintOf = (certificatePem: string) =>
  new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();

let workDir: string;
let dataDir: string;
let keyFile: string;
/** Every private key this file wrote to disk, to prove none of them is ever printed. */
const privateKeys: string[] = [];

async function writePem(name: string, content: string): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, content, { mode: 0o600 });
  if (content.includes('PRIVATE KEY')) privateKeys.push(content);
  return path;
}

const stored = async () => JSON.parse(await readFile(keyFile, 'utf8')) as { privateKeyPem: string; certificatePem: string; chainPem?: string[] };
const caFingerprint = async () => loadIssuingCa(await readFile(keyFile, 'utf8'), { allowFileKey: true }).fingerprint;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ecert-signing-key-'));
  dataDir = join(workDir, 'data');
  keyFile = localSigningKeyFile(dataDir);
});

afterAll(async () => {
  // Assess (whole file): no output ever held key material — neither PEM armour nor any line of a key's body.
  const output = runs.map((run) => run.stdout + run.stderr).join('\n');
  expect(runs.length).toBeGreaterThan(5);
  expect(output).not.toMatch(/-----BEGIN|PRIVATE KEY/);
  privateKeys.push((await stored().catch(() => undefined))?.privateKeyPem ?? '');
  for (const pem of privateKeys) {
    for (const line of pem.split(/\r?\n/).filter((l) => l.length >= 40 && !l.startsWith('-----'))) {
      expect(output).not.toContain(line);
    }
  }
  await rm(workDir, { recursive: true, force: true });
});

// Each run is a child process that may make RSA keys: minutes on a loaded 2-core machine.
describe('ecert signing-key (local data folder)', { timeout: 120_000 }, () => {
  it('show: says there is no issuing CA yet (exit 1)', async () => {
    const run = await cli(['show', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/holds no issuing CA: run 'signing-key init'/);
  });

  it('init: stores a self-signed issuing CA with a file key (mode 0600) and prints its fingerprint', async () => {
    // Act
    const run = await cli(['init', '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`stored a self-signed issuing CA in ${keyFile}`);
    expect(run.stdout).toContain(await caFingerprint());
    expect(run.stdout).toMatch(/subject\s+CN=ecert 电子证书签章 签发CA, O=ecert \(local\), C=CN/);
    expect(run.stdout).toMatch(/key\s+RSA 2048 \(file\)/);
    expect(run.stdout).toMatch(/self-signed\s+yes/);
    expect(new X509Certificate((await stored()).certificatePem).ca).toBe(true);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('init: refuses to replace a valid CA without --force (exit 1), leaving it untouched', async () => {
    const before = await readFile(keyFile, 'utf8');
    const run = await cli(['init', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already holds a valid issuing CA .*pass --force/);
    expect(await readFile(keyFile, 'utf8')).toBe(before);
  });

  it('init --force: replaces it with a new CA', async () => {
    const before = await caFingerprint();
    const run = await cli(['init', '--force', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(await caFingerprint()).not.toBe(before);
    expect(run.stdout).toContain(`replacing sha256 ${before}`);
  });

  it('init: replaces an unusable value (a placeholder, a pre-CA leaf bundle) without --force', async () => {
    const otherDir = join(workDir, 'placeholder-data');
    const file = localSigningKeyFile(otherDir);
    await cli(['init', '--data-dir', otherDir]);
    const { leaf } = testChain();
    await writeFile(file, JSON.stringify({ privateKeyPem: leaf.privateKeyPem, certificatePem: leaf.certificatePem }));
    const run = await cli(['init', '--data-dir', otherDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(() => loadIssuingCa(JSON.stringify(JSON.parse(readFileSyncUtf8(file))), { allowFileKey: true })).not.toThrow();
  });

  it('install: stores an issuing CA certified by an operator’s root, with its chain file', async () => {
    // Prepare: the root certifies the seal's CA ("intermediate").
    const { root, intermediate } = testChain();
    const key = await writePem('ca.key', intermediate.privateKeyPem);
    const cert = await writePem('ca.crt', intermediate.certificatePem);
    const chain = await writePem('chain.pem', root.certificatePem);

    // Act
    const run = await cli(['install', '--key', key, '--cert', cert, '--chain', chain, '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const bundle = await stored();
    expect(fingerprintOf(bundle.certificatePem)).toBe(fingerprintOf(intermediate.certificatePem));
    expect(bundle.chainPem?.map(fingerprintOf)).toEqual([fingerprintOf(root.certificatePem)]);
    expect(run.stdout).toContain(`installed the issuing CA in ${keyFile}`);
    expect(run.stdout).toMatch(/issuer\s+O=Test PKI, CN=Test Root CA/);
    expect(run.stdout).toMatch(/chain\s+1 certificate\(s\)/);
    expect(run.stderr).not.toMatch(/self-signed/);
  });

  it('install: accepts a self-signed CA made elsewhere, and warns readers will not trust it', async () => {
    const material = await generateFileCaBundle({ organization: 'Ops', bits: 2048 });
    const run = await cli([
      'install',
      '--key',
      await writePem('own.key', material.privateKeyPem!),
      '--cert',
      await writePem('own.crt', material.certificatePem),
      '--data-dir',
      dataDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(fingerprintOf((await stored()).certificatePem)).toBe(fingerprintOf(material.certificatePem));
    expect(run.stderr).toMatch(/self-signed: PDF readers will not show the seal as trusted/);
  });

  it('install: refuses a document-signing leaf, and a certificate that does not belong to the key (exit 1)', async () => {
    const before = await readFile(keyFile, 'utf8');
    const { leaf } = testChain();
    const a = issue({ commonName: 'A', ca: true });
    const b = issue({ commonName: 'B', ca: true });
    const leafRun = await cli(['install', '--key', await writePem('leaf.key', leaf.privateKeyPem), '--cert', await writePem('leaf.crt', leaf.certificatePem), '--data-dir', dataDir]);
    expect(leafRun.code).toBe(1);
    expect(leafRun.stderr).toMatch(/not a CA certificate/);
    const mismatch = await cli(['install', '--key', await writePem('a.key', a.privateKeyPem), '--cert', await writePem('b.crt', b.certificatePem), '--data-dir', dataDir]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/the certificate does not belong to the private key/);
    expect(await readFile(keyFile, 'utf8')).toBe(before);
  });

  it('install: refuses a chain that did not issue the CA certificate (exit 1)', async () => {
    const { intermediate } = testChain();
    const stranger = issue({ commonName: 'Stranger CA', ca: true });
    const run = await cli([
      'install',
      '--key',
      await writePem('ca2.key', intermediate.privateKeyPem),
      '--cert',
      await writePem('ca2.crt', intermediate.certificatePem),
      '--chain',
      await writePem('stranger.pem', stranger.certificatePem),
      '--data-dir',
      dataDir,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/did not issue/);
  });

  it('install: usage errors exit 2 (missing --cert, missing --key locally, unreadable file)', async () => {
    const missing = await cli(['install', '--key', join(workDir, 'a.key'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/install needs --cert/);
    const noKey = await cli(['install', '--cert', join(workDir, 'b.crt'), '--data-dir', dataDir]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/install needs --key for the local CA/);
    const unreadable = await cli(['install', '--key', join(workDir, 'nope.key'), '--cert', join(workDir, 'b.crt'), '--data-dir', dataDir]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/--cert: .*b\.crt is not a readable file|--key: .*nope\.key is not a readable file/);
  });

  it('show: prints subject, issuer, validity and the SHA-256 fingerprint of the installed CA', async () => {
    const bundle = await stored();
    const x509 = new X509Certificate(bundle.certificatePem);
    const run = await cli(['show', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/subject\s+CN=ecert 电子证书签章 签发CA, O=Ops, C=CN/);
    expect(run.stdout).toContain(`valid from   ${new Date(x509.validFrom).toISOString()}`);
    expect(run.stdout).toContain(`valid to     ${new Date(x509.validTo).toISOString()}`);
    expect(run.stdout).toContain(`sha256       ${fingerprintOf(bundle.certificatePem)}`);
  });

  it('rejects an unknown subcommand and options that belong to another one (exit 2)', async () => {
    expect((await cli(['rotate', '--data-dir', dataDir])).code).toBe(2);
    const run = await cli(['show', '--force', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--force applies only to init/);
    expect((await cli(['csr', '--subject', '/CN=x', '--data-dir', dataDir])).stderr).toMatch(/csr is for the stack’s KMS key/);
  });
});

function readFileSyncUtf8(file: string): string {
  return readFileSync(file, 'utf8');
}
