import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { lambdaHandler, logger } from '../../shared/observability';
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';
import {
  describeSigningKey,
  inspectSigningKey,
  readSecretString,
  SELF_SIGNED_COMMON_NAME,
  writeSecretString,
} from '../../shared/signing/key-store';

/** Properties the stack gives the SigningKeyInit custom resource (infra/constructs/signing-key.ts). */
export interface SigningKeyInitProperties {
  /** ARN of the signing-key secret. */
  SecretId: string;
  /** Organization (O) of a generated self-signed certificate. */
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
 * secret and, only if it does not hold a usable key bundle (the stack creates it with a placeholder), writes a fresh
 * self-signed one. A valid key — generated earlier, or a CA-issued one an operator installed — is never replaced.
 * Delete does nothing: the secret is retained with the documents it signed.
 */
async function onEvent(event: CloudFormationCustomResourceEvent): Promise<OnEventResult> {
  const { SecretId: secretId, Organization: organization } = event.ResourceProperties as unknown as SigningKeyInitProperties;
  if (event.RequestType === 'Delete') {
    logger.info('signing-key init: delete is a no-op, the secret is kept', { secretId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  if (!secretId || !organization) throw new Error('SigningKeyInit needs the SecretId and Organization properties');
  const physicalId = `signing-key-init:${secretId}`;

  const state = inspectSigningKey(await readSecretString(secretId));
  if (state.kind === 'valid') {
    const { fingerprint, subject, validTo } = describeSigningKey(state.key);
    logger.info('signing-key init: a valid key is installed, left untouched', { secretId, fingerprint, subject, validTo });
    return { PhysicalResourceId: physicalId, Data: { Fingerprint: fingerprint, Generated: 'false' } };
  }

  const material = generateSelfSignedMaterial({ commonName: SELF_SIGNED_COMMON_NAME, organization });
  const json = JSON.stringify(material);
  const { fingerprint } = loadSigningKey(json);
  await writeSecretString(secretId, json);
  logger.info('signing-key init: stored a self-signed signing key', {
    secretId,
    fingerprint,
    replaced: state.kind === 'invalid' ? `unusable value (${state.problem})` : 'no value',
  });
  return { PhysicalResourceId: physicalId, Data: { Fingerprint: fingerprint, Generated: 'true' } };
}

export const handler = lambdaHandler<CloudFormationCustomResourceEvent, OnEventResult>(onEvent);
