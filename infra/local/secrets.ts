import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRETS } from '../../shared/config/secrets';

/**
 * Local stand-ins for the stack's Secrets Manager entries: generated once into the data folder (mode 0600) and kept,
 * so hashes and sessions survive a restart. The signing key is created by its own module when that feature starts.
 */
export async function ensureLocalSecrets(secretsDir: string): Promise<void> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  for (const spec of [SECRETS.idHashKey, SECRETS.jwtKey]) {
    const file = join(secretsDir, spec.localFile);
    try {
      await readFile(file);
    } catch {
      await writeFile(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' }).catch((error) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    }
  }
}
