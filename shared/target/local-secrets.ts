import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SECRETS } from '../config/secrets';
import { generateFileCaBundle, isCaBundle } from '../signing/issuing-ca';

/** The folder of a data folder that holds the local secrets (the runtime's `secretsDir`). */
export const localSecretsDir = (dataDir: string): string => join(dataDir, 'secrets');

/** The local signing-key bundle (`ecert signing-key` reads and replaces it). */
export const localSigningKeyFile = (dataDir: string): string => join(localSecretsDir(dataDir), SECRETS.signingKey.localFile);

/**
 * Replaces a local secret file atomically (mode 0600): a runtime starting meanwhile reads the old or the new
 * content, never half of one. A running runtime keeps the value it cached until it restarts.
 */
export async function replaceLocalSecret(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Local stand-ins for the stack's Secrets Manager entries: generated once into the data folder (mode 0600) and kept,
 * so hashes, sessions and signatures survive a restart. The signing-key bundle is the seal's issuing CA with a file
 * key (in the cloud a KMS key): docs/signing.md.
 */
export async function ensureLocalSecrets(secretsDir: string): Promise<void> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  for (const spec of [SECRETS.idHashKey, SECRETS.jwtKey]) {
    const file = join(secretsDir, spec.localFile);
    try {
      await readFile(file);
    } catch {
      await writeOnce(file, randomBytes(32).toString('base64url'));
    }
  }
  const signingFile = join(secretsDir, SECRETS.signingKey.localFile);
  let current: string | undefined;
  try {
    current = await readFile(signingFile, 'utf8');
  } catch {
    current = undefined;
  }
  // The issuing CA's file key (KMS holds it in the cloud). A bundle from before the CA design (a self-signed
  // document-signing leaf) is kept beside it and replaced: documents it signed still verify by their records.
  if (current === undefined || !isCaBundle(current)) {
    const bundle = await generateFileCaBundle({ organization: 'ecert (local)', bits: 2048 });
    if (current !== undefined) {
      await writeOnce(`${signingFile}.before-ca`, current);
      await replaceLocalSecret(signingFile, JSON.stringify(bundle));
    } else {
      await writeOnce(signingFile, JSON.stringify(bundle));
    }
  }
}

/** Two runtimes starting at once must not overwrite each other's fresh key. */
async function writeOnce(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600, flag: 'wx' }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
}
