import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRETS } from '../../shared/config/secrets';
import { generateSelfSignedMaterial } from '../../shared/signing/key-material';

/**
 * Local stand-ins for the stack's Secrets Manager entries: generated once into the data folder (mode 0600) and kept,
 * so hashes, sessions and signatures survive a restart. The signing key is a self-signed document-signing
 * certificate (docs/signing.md says how to use a CA-issued one).
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
  try {
    await readFile(signingFile);
  } catch {
    const material = generateSelfSignedMaterial({ commonName: 'ecert 电子证书签章（本地测试）', organization: 'ecert (local)' });
    await writeOnce(signingFile, JSON.stringify(material));
  }
}

/** Two runtimes starting at once must not overwrite each other's fresh key. */
async function writeOnce(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600, flag: 'wx' }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
}
