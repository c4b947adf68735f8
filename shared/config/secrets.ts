import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../aws/clients';
import { ConfigurationError, optionalEnv, requireEnv, type EnvName } from './env';

/**
 * Secrets by role. In the cloud the stack creates each one in Secrets Manager and passes its ARN; locally the runtime
 * generates them once into the data folder. Values are cached per container: they change only on rotation, and a
 * rotated key takes effect on the next cold start.
 */
export const SECRETS = {
  idHashKey: { env: 'ECERT_ID_HASH_KEY_SECRET', localFile: 'id-hash-key' },
  jwtKey: { env: 'ECERT_JWT_KEY_SECRET', localFile: 'jwt-key' },
  signingKey: { env: 'ECERT_SIGNING_KEY_SECRET', localFile: 'signing-key.json' },
} as const satisfies Record<string, { env: EnvName; localFile: string }>;

export type SecretName = keyof typeof SECRETS;

const cache = new Map<string, Promise<string>>();

export function getSecret(name: SecretName): Promise<string> {
  // Keyed by where the secret comes from as well: one process may serve two local stacks (the tests), each with its
  // own secrets folder; in Lambda the source never changes.
  const key = `${optionalEnv('ECERT_LOCAL_SECRETS_DIR') ?? process.env[SECRETS[name].env] ?? ''}\u0000${name}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = loadSecret(name);
    cache.set(key, pending);
    // A failed load must not poison the cache for the container's lifetime.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function loadSecret(name: SecretName): Promise<string> {
  const spec = SECRETS[name];
  const localDir = optionalEnv('ECERT_LOCAL_SECRETS_DIR');
  if (localDir) return (await readFile(join(localDir, spec.localFile), 'utf8')).trim();
  const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: requireEnv(spec.env) }));
  if (!out.SecretString) throw new ConfigurationError(`secret for ${name} has no string value`);
  return out.SecretString;
}

export function clearSecretCache(): void {
  cache.clear();
}
