import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import type { Annotation } from '../domain/annotation';
import { keys } from '../resources/table';
import { epochSeconds, tableName } from './dynamo';
import { optionalString, requiredString } from './item-codec';

/**
 * Verification codes (VERIFY#<code>): written with the READY transition, they outlive the annotation item (whose TTL
 * is its validUntil) by a grace period, so a third party checking an old copy is told "expired" rather than "unknown".
 * The item is a snapshot of what verification needs; the certificate's status is always read live (revocation).
 */
export const VERIFICATION_GRACE_DAYS = 365;

export interface VerificationRecord {
  code: string;
  certId: string;
  annotationId: string;
  scenario: string;
  validFrom: string;
  validUntil: string;
  documentSha256: string;
  /** SHA-256 of the certificate that signed the document (key rotation leaves older documents verifiable). */
  signerFingerprint?: string;
}

export function verificationPut(annotation: Annotation, documentSha256: string, signerFingerprint?: string) {
  const keepUntil = new Date(Date.parse(annotation.validUntil) + VERIFICATION_GRACE_DAYS * 86_400_000);
  return {
    TableName: tableName(),
    Item: {
      ...keys.verification(annotation.verificationCode),
      certId: annotation.certId,
      annotationId: annotation.annotationId,
      scenario: annotation.scenario,
      validFrom: annotation.validFrom,
      validUntilIso: annotation.validUntil,
      documentSha256,
      ...(signerFingerprint ? { signerFingerprint } : {}),
      validUntil: epochSeconds(keepUntil),
    },
  };
}

export async function getVerification(code: string): Promise<VerificationRecord | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.verification(code) }));
  const item = out.Item;
  if (!item) return undefined;
  const signerFingerprint = optionalString(item, 'signerFingerprint');
  return {
    code,
    certId: requiredString(item, 'certId'),
    annotationId: requiredString(item, 'annotationId'),
    scenario: requiredString(item, 'scenario'),
    validFrom: requiredString(item, 'validFrom'),
    validUntil: requiredString(item, 'validUntilIso'),
    documentSha256: requiredString(item, 'documentSha256'),
    ...(signerFingerprint !== undefined ? { signerFingerprint } : {}),
  };
}
