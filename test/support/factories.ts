import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { newAnnotationId, newVerificationCode, validityWindow, type Annotation, type QuotaSlots } from '../../shared/domain/annotation';
import type { Certificate, CertificateRecord } from '../../shared/domain/certificate';
import { idHash } from '../../shared/domain/id-hash';
import { gb11643CheckChar, maskIdNumber } from '../../shared/domain/identity';
import type { StoredAnnotation } from '../../shared/repository/annotations';
import { QUOTA_SLOTS, QUOTA_VERSION, toAnnotationItem } from '../../shared/repository/annotations';
import type { Holder } from '../../shared/repository/holders';
import type { VerificationRecord } from '../../shared/repository/verifications';
import type { RouteDecl } from '../../shared/resources/routes';
import { keys, TABLE } from '../../shared/resources/table';

/**
 * One factory per entity, for every test: each returns a valid object with fresh ids, and any field can be
 * overridden. The `*Item` functions give the same entity as the table stores it, for tests that mock DynamoDB.
 */

/** A valid resident ID number with a random (real) birth date and sequence. */
export function residentId(birth = '19900101'): string {
  const first17 = `${String(randomInt(110000, 659999))}${birth}${String(randomInt(0, 999)).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

/**
 * An identity as the account use cases key it (ID type and keyed ID hash), fresh each call; no ID number stands
 * behind it, so nothing else in the table shares it.
 */
export const identity = () => ({ idType: 'RESIDENT_ID', idHash: randomBytes(8).toString('hex') }) as const;

let serial = 0;
export function certId(prefix = 'T'): string {
  serial++;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${String(serial).padStart(4, '0')}${randomInt(100, 999)}`;
}

export const PASSWORD = 'Secret-Pass-2026';

/** A certificate as the operator imports it: an e-certificate (issued after 2021-12-17) by default. */
export function certificateRecord(overrides: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    certId: certId(),
    holderName: '张三',
    idType: 'RESIDENT_ID',
    idNumber: residentId(),
    qualificationCode: 'ECONOMICS',
    level: '中级',
    specialty: '人力资源管理',
    approvalDate: '2023-11-05',
    issuedAt: '2023-12-20',
    issuer: '中华人民共和国人力资源和社会保障部',
    ...overrides,
  };
}

/** A stored certificate: the record plus what the service keeps (VALID by default). */
export function certificate(overrides: Partial<Certificate> = {}): Certificate {
  return {
    ...certificateRecord(),
    status: 'VALID',
    importedAt: '2024-01-02T03:04:05.000Z',
    updatedAt: '2024-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** The certificate's table item, indexed under the holder identity that `idHashKey` hashes its ID number to. */
export function certificateItem(cert: Certificate, idHashKey: string): Record<string, unknown> {
  return {
    ...keys.certificate(cert.certId),
    ...cert,
    [TABLE.indexes.byHolderIdentity.partitionKey]: keys.certificateByHolder(cert.idType, idHash(idHashKey, cert.idType, cert.idNumber)),
    [TABLE.indexes.byHolderIdentity.sortKey]: keys.certificateByHolderSort(cert.issuedAt, cert.certId),
  };
}

/** A holder account; `of` a certificate makes it that certificate's holder (same name and ID, hashed with the key). */
export function holder(overrides: Partial<Holder> = {}, of?: { cert: Certificate; idHashKey: string }): Holder {
  return {
    holderId: randomUUID(),
    name: of?.cert.holderName ?? '张三',
    idType: of?.cert.idType ?? 'RESIDENT_ID',
    idHash: of ? idHash(of.idHashKey, of.cert.idType, of.cert.idNumber) : `hash-${randomUUID()}`,
    idNumberMasked: maskIdNumber(of?.cert.idNumber ?? residentId()),
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    tokenVersion: 0,
    createdAt: '2024-02-01T00:00:00.000Z',
    ...overrides,
  };
}

export const holderItem = (h: Holder): Record<string, unknown> => ({ ...keys.holder(h.holderId), ...h });

/** An annotation applied for at `appliedAt` (an hour ago by default), PENDING unless overridden. */
export function annotation(overrides: Partial<StoredAnnotation> & { appliedAt?: string } = {}): StoredAnnotation {
  const appliedAt = new Date(overrides.appliedAt ?? Date.now() - 3600_000);
  const validDays = overrides.validDays ?? 30;
  const { validFrom, validUntil } = validityWindow(appliedAt, validDays);
  return {
    annotationId: newAnnotationId(appliedAt),
    certId: certId(),
    holderId: randomUUID(),
    scenario: 'SELF_USE',
    validDays,
    appliedAt: appliedAt.toISOString(),
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    status: 'PENDING',
    verificationCode: newVerificationCode(),
    ...overrides,
  };
}

/** A READY annotation with its rendered document's facts. */
export const readyAnnotation = (overrides: Partial<StoredAnnotation> = {}): StoredAnnotation => {
  const base = annotation(overrides);
  return {
    ...base,
    status: 'READY',
    objectKey: `annotations/${base.certId}/${base.annotationId}.pdf`,
    documentSha256: 'a'.repeat(64),
    documentSize: 123_456,
    renderedAt: base.appliedAt,
    ...overrides,
  };
};

export const annotationItem = (a: StoredAnnotation): Record<string, unknown> => toAnnotationItem(a);

/** The quota attributes a certificate item holds for the given slots (annotationId → appliedAt). */
export const quotaAttributes = (slots: QuotaSlots, version = Object.keys(slots).length): Record<string, unknown> => ({
  [QUOTA_SLOTS]: slots,
  [QUOTA_VERSION]: version,
});

/** The verification record a READY annotation leaves (VERIFY#<code>). */
export function verificationRecord(of: StoredAnnotation, overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  return {
    code: of.verificationCode,
    certId: of.certId,
    annotationId: of.annotationId,
    scenario: of.scenario,
    validFrom: of.validFrom,
    validUntil: of.validUntil,
    documentSha256: of.documentSha256 ?? 'b'.repeat(64),
    ...overrides,
  };
}

export const verificationItem = (record: VerificationRecord): Record<string, unknown> => {
  const { code, validUntil, ...rest } = record;
  return { ...keys.verification(code), ...rest, validUntilIso: validUntil, validUntil: Math.ceil(Date.parse(validUntil) / 1000) + 86_400 };
};

export interface SampleRequest {
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** JSON bodies are serialised (with content-type application/json unless given); bytes go base64. */
  json?: unknown;
  bytes?: Uint8Array;
  token?: string;
}

/** The payload-v2 event API Gateway gives a function for `route`, with the path filled from `pathParameters`. */
export function httpEvent(route: Pick<RouteDecl, 'method' | 'path'>, request: SampleRequest = {}): APIGatewayProxyEventV2 {
  const rawPath = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(request.pathParameters?.[name] ?? ''));
  const headers: Record<string, string> = {
    ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    ...request.headers,
  };
  const routeKey = `${route.method} ${route.path}`;
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'unit',
      domainName: 'unit.example',
      domainPrefix: 'unit',
      http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:07:04:02 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: request.bytes !== undefined,
    ...(request.json !== undefined ? { body: JSON.stringify(request.json) } : {}),
    ...(request.bytes !== undefined ? { body: Buffer.from(request.bytes).toString('base64') } : {}),
  };
}

export function lambdaContext(functionName = 'unit'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ap-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'unit',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let annotationSerial = 0;
/** A PENDING annotation of `certId` applied for at `appliedAt`, with a valid (time-ordered) id and a fresh code. */
export function pendingAnnotation(overrides: Partial<Annotation> = {}): Annotation {
  const appliedAt = new Date(overrides.appliedAt ?? '2026-03-01T08:00:00.000Z');
  const validDays = overrides.validDays ?? 90;
  annotationSerial++;
  return {
    annotationId: newAnnotationId(new Date(appliedAt.getTime() + annotationSerial)),
    certId: certId(),
    holderId: `holder-${annotationSerial}`,
    scenario: 'SELF_USE',
    validDays,
    appliedAt: appliedAt.toISOString(),
    validFrom: appliedAt.toISOString(),
    validUntil: new Date(appliedAt.getTime() + validDays * 86_400_000).toISOString(),
    status: 'PENDING',
    verificationCode: newVerificationCode(),
    ...overrides,
  };
}
