import type { CertificateColumn } from '../../shared/domain/certificate-record';
import { CERTIFICATE_COLUMNS } from '../../shared/domain/certificate-record';
import { gb11643CheckChar } from '../../shared/domain/identity';
import type { ContactField } from '../../shared/domain/certificate';

/**
 * Factories for import rows (the operator's view: every value a string) and for the files that carry them.
 */
export type CertificateRow = Record<Exclude<CertificateColumn, ContactField>, string> & Partial<Record<ContactField, string>>;

/** The columns files are written with unless a test says otherwise: every column but the optional contact ones. */
export const DEFAULT_COLUMNS: string[] = CERTIFICATE_COLUMNS.filter((c) => c !== 'mobile' && c !== 'email');

/** A valid 18-character resident ID: Beijing Chaoyang, the given birth date, a sequence number, the right check char. */
export function residentId(sequence = 1, birth = '19880214'): string {
  const first17 = `110105${birth}${String(sequence % 1000).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

/** The same number with a wrong check character. */
export function withWrongCheckChar(id: string): string {
  const wrong = '0123456789X'.split('').find((c) => c !== id[17])!;
  return id.slice(0, 17) + wrong;
}

let counter = 0;

export function certificateRow(overrides: Partial<CertificateRow> = {}): CertificateRow {
  counter++;
  return {
    certId: `T${String(counter).padStart(6, '0')}`,
    holderName: '张三',
    idType: 'RESIDENT_ID',
    idNumber: residentId(counter),
    qualificationCode: 'ECONOMICS',
    level: '中级',
    specialty: '金融',
    approvalDate: '2019-05-20',
    issuedAt: '2019-06-30',
    issuer: '中华人民共和国人力资源和社会保障部',
    ...overrides,
  };
}

/** RFC 4180 quoting: only where needed, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(
  rows: Array<Partial<Record<string, string>>>,
  { columns = DEFAULT_COLUMNS, eol = '\r\n', bom = false } = {},
): string {
  const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => csvField(row[c] ?? '')).join(','))];
  return (bom ? '\uFEFF' : '') + lines.join(eol) + eol;
}
