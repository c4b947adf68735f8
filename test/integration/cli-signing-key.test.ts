import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSigningKeyFile } from '../../shared/target/local-secrets';
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';
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

describe('ecert signing-key (local data folder)', () => {
  it('show: says there is no key yet (exit 1)', async () => {
    const run = await cli(['show', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/holds no signing key: run 'signing-key init'/);
  });

  it('init: stores a self-signed key bundle (mode 0600) in the data folder and prints its fingerprint', async () => {
    // Act
    const run = await cli(['init', '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const key = loadSigningKey(await readFile(keyFile, 'utf8'));
    expect(run.stdout).toContain(`stored a self-signed signing key in ${keyFile}`);
    expect(run.stdout).toContain(key.fingerprint);
    expect(run.stdout).toMatch(/subject\s+CN=ecert 电子证书签章, O=ecert \(local\), C=CN/);
    expect(run.stdout).toMatch(/self-signed\s+yes/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('init: refuses to replace a valid key without --force (exit 1), leaving it untouched', async () => {
    // Prepare
    const before = await readFile(keyFile, 'utf8');

    // Act
    const run = await cli(['init', '--data-dir', dataDir]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already holds a valid signing key .*pass --force/);
    expect(await readFile(keyFile, 'utf8')).toBe(before);
  });

  it('init --force: replaces it with a new key', async () => {
    const before = loadSigningKey(await readFile(keyFile, 'utf8')).fingerprint;
    const run = await cli(['init', '--force', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    const after = loadSigningKey(await readFile(keyFile, 'utf8')).fingerprint;
    expect(after).not.toBe(before);
    expect(run.stdout).toContain(`replacing sha256 ${before}`);
  });

  it('init: replaces an unusable value without --force', async () => {
    // Prepare
    const otherDir = join(workDir, 'placeholder-data');
    const file = localSigningKeyFile(otherDir);
    await cli(['init', '--data-dir', otherDir]);
    await writeFile(file, '{"status":"placeholder"}');

    // Act
    const run = await cli(['init', '--data-dir', otherDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const json = await readFile(file, 'utf8');
    expect(() => loadSigningKey(json)).not.toThrow();
  });

  it('install: stores a CA-issued key with its chain file', async () => {
    // Prepare
    const { root, intermediate, leaf } = testChain();
    const key = await writePem('leaf.key', leaf.privateKeyPem);
    const cert = await writePem('leaf.crt', leaf.certificatePem);
    const chain = await writePem('chain.pem', intermediate.certificatePem + root.certificatePem);

    // Act
    const run = await cli(['install', '--key', key, '--cert', cert, '--chain', chain, '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const bundle = await stored();
    expect(fingerprintOf(bundle.certificatePem)).toBe(fingerprintOf(leaf.certificatePem));
    expect(bundle.chainPem?.map(fingerprintOf)).toEqual([fingerprintOf(intermediate.certificatePem), fingerprintOf(root.certificatePem)]);
    expect(run.stdout).toContain(`installed the signing key in ${keyFile}`);
    expect(run.stdout).toMatch(/issuer\s+CN=Test Document Signing CA, O=Test PKI/);
    expect(run.stdout).toMatch(/chain\s+2 certificate\(s\)/);
    expect(run.stderr).not.toMatch(/self-signed/);
  });

  it('install: accepts a self-signed key made elsewhere, and warns readers will not trust it', async () => {
    const material = generateSelfSignedMaterial({ commonName: 'Made elsewhere', organization: 'Ops' });
    const run = await cli([
      'install',
      '--key',
      await writePem('own.key', material.privateKeyPem),
      '--cert',
      await writePem('own.crt', material.certificatePem),
      '--data-dir',
      dataDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(fingerprintOf((await stored()).certificatePem)).toBe(fingerprintOf(material.certificatePem));
    expect(run.stderr).toMatch(/self-signed: PDF readers will not show the seal as trusted/);
  });

  it('install: refuses a certificate that does not belong to the key (exit 1), keeping the installed key', async () => {
    // Prepare
    const before = await readFile(keyFile, 'utf8');
    const a = issue({ commonName: 'A' });
    const b = issue({ commonName: 'B' });

    // Act
    const run = await cli([
      'install',
      '--key',
      await writePem('a.key', a.privateKeyPem),
      '--cert',
      await writePem('b.crt', b.certificatePem),
      '--data-dir',
      dataDir,
    ]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the certificate does not belong to the private key/);
    expect(await readFile(keyFile, 'utf8')).toBe(before);
  });

  it('install: refuses a chain that did not issue the certificate (exit 1)', async () => {
    const { leaf } = testChain();
    const stranger = issue({ commonName: 'Stranger CA', ca: true });
    const run = await cli([
      'install',
      '--key',
      await writePem('leaf2.key', leaf.privateKeyPem),
      '--cert',
      await writePem('leaf2.crt', leaf.certificatePem),
      '--chain',
      await writePem('stranger.pem', stranger.certificatePem),
      '--data-dir',
      dataDir,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/did not issue/);
  });

  it('install: usage errors exit 2 (missing --cert, unreadable file)', async () => {
    const missing = await cli(['install', '--key', join(workDir, 'a.key'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/install needs --key and --cert/);
    const unreadable = await cli(['install', '--key', join(workDir, 'nope.key'), '--cert', join(workDir, 'b.crt'), '--data-dir', dataDir]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/--key: .*nope\.key is not a readable file/);
  });

  it('show: prints subject, issuer, validity and the SHA-256 fingerprint of the installed certificate', async () => {
    // Prepare
    const bundle = await stored();
    const x509 = new X509Certificate(bundle.certificatePem);

    // Act
    const run = await cli(['show', '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/subject\s+CN=Made elsewhere, O=Ops, C=CN/);
    expect(run.stdout).toMatch(/issuer\s+CN=Made elsewhere/);
    expect(run.stdout).toContain(`valid from   ${new Date(x509.validFrom).toISOString()}`);
    expect(run.stdout).toContain(`valid to     ${new Date(x509.validTo).toISOString()}`);
    expect(run.stdout).toContain(`sha256       ${fingerprintOf(bundle.certificatePem)}`);
  });

  it('rejects an unknown subcommand and options that belong to another one (exit 2)', async () => {
    expect((await cli(['rotate', '--data-dir', dataDir])).code).toBe(2);
    const run = await cli(['show', '--force', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--force applies only to init/);
  });
});
