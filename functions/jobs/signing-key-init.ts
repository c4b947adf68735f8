import { createPublicKey } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { kms } from '../../shared/aws/clients';
import { lambdaHandler, logger } from '../../shared/observability';
import { kmsSigner, selfSignedCaCertificate } from '../../shared/signing/issuing-ca';
import { inspectCaBundle, readSecretString, writeSecretString } from '../../shared/signing/key-store';
import { pemOf } from '../../shared/signing/x509';

/** Properties the stack gives the SigningKeyInit custom resource (infra/constructs/signing-key.ts). */
export interface SigningKeyInitProperties {
  /** ARN of the signing-key secret. */
  SecretId: string;
  /** ARN of the issuing CA's KMS key. */
  KeyId: string;
  /** Organization (O) of a generated self-signed CA certificate. */
  Organization: string;
  /** Changes with the secret's generation settings, so the resource is updated when the placeholder is regenerated. */
  SecretGeneration?: string;
}

/** What the Provider framework expects back from onEvent. */
export interface OnEventResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * onEvent handler of the SigningKeyInit custom resource (docs/signing.md). On Create and Update: reads the signing-key
 * secret and, only if it does not hold a usable CA bundle for the stack's KMS key (the stack creates the secret with
 * a placeholder), makes a self-signed CA certificate with that key (kms:GetPublicKey, one kms:Sign) and stores
 * `{kmsKeyId, certificatePem}`. A valid bundle — generated earlier, or an operator's CA-issued certificate — is never
 * replaced. Delete does nothing: the secret and the key are retained with the documents they sealed.
 */
async function onEvent(event: CloudFormationCustomResourceEvent): Promise<OnEventResult> {
  const { SecretId: secretId, KeyId: keyId, Organization: organization } = event.ResourceProperties as unknown as SigningKeyInitProperties;
  if (event.RequestType === 'Delete') {
    logger.info('signing-key init: delete is a no-op, the secret and key are kept', { secretId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  if (!secretId || !keyId || !organization) throw new Error('SigningKeyInit needs the SecretId, KeyId and Organization properties');
  const physicalId = `signing-key-init:${secretId}`;

  const publicKeyDer = (await kms().send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey;
  if (!publicKeyDer) throw new Error('KMS returned no public key');
  const publicKey = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const state = inspectCaBundle(await readSecretString(secretId), { kmsPublicKey: publicKey });
  if (state.kind === 'valid') {
    logger.info('signing-key init: a valid CA bundle is installed, left untouched', { secretId, fingerprint: state.ca.fingerprint });
    return { PhysicalResourceId: physicalId, Data: { Fingerprint: state.ca.fingerprint, Generated: 'false' } };
  }

  const der = await selfSignedCaCertificate({ publicKey, signer: kmsSigner(keyId, 'RSASSA_PKCS1_V1_5_SHA_256'), organization });
  const json = JSON.stringify({ kmsKeyId: keyId, certificatePem: pemOf(der) });
  const written = inspectCaBundle(json, { kmsPublicKey: publicKey });
  if (written.kind !== 'valid') throw new Error(`the generated CA bundle is not valid: ${written.kind === 'invalid' ? written.problem : 'empty'}`);
  await writeSecretString(secretId, json);
  logger.info('signing-key init: stored a self-signed issuing-CA certificate for the KMS key', {
    secretId,
    fingerprint: written.ca.fingerprint,
    replaced: state.kind === 'invalid' ? `unusable value (${state.problem})` : 'no value',
  });
  return { PhysicalResourceId: physicalId, Data: { Fingerprint: written.ca.fingerprint, Generated: 'true' } };
}

export const handler = lambdaHandler<CloudFormationCustomResourceEvent, OnEventResult>(onEvent);
