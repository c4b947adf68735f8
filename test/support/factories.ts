import { randomInt } from 'node:crypto';
import { gb11643CheckChar } from '../../shared/domain/identity';
import type { CertificateRecord } from '../../shared/domain/certificate';

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
