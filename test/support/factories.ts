import { randomInt } from 'node:crypto';
import { gb11643CheckChar } from '../../shared/domain/identity';
import type { Certificate, CertificateRecord } from '../../shared/domain/certificate';
import { newAnnotationId, newVerificationCode, type Annotation } from '../../shared/domain/annotation';

/** A valid resident ID number with a random (real) birth date and sequence. */
export function residentId(birth = '19900101'): string {
  const first17 = `${String(randomInt(110000, 659999))}${birth}${String(randomInt(0, 999)).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

let serial = 0;
export function certId(prefix = 'T'): string {
  serial++;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${String(serial).padStart(4, '0')}${randomInt(100, 999)}`;
}

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

export const PASSWORD = 'Secret-Pass-2026';

/** A stored certificate (the imported record plus what the service keeps), VALID unless told otherwise. */
export function certificate(overrides: Partial<Certificate> = {}): Certificate {
  const record = certificateRecord();
  return {
    ...record,
    status: 'VALID',
    importedAt: '2024-01-02T03:04:05.000Z',
    updatedAt: '2024-01-02T03:04:05.000Z',
    ...overrides,
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
