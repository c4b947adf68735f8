import { randomBytes } from 'node:crypto';
import type { CertificateRecord } from './certificate';
import { chinaDate } from './certificate-record';
import type { IdType } from './identity';

/**
 * Records the operator tools make against a deployment (`npm run smoke`, `npm run load`) and remove afterwards
 * (`ecert test-data remove`). They must be unmistakable, because removal deletes a certificate, its annotations and
 * its holder: a test record carries a kind's prefix in its certId AND in its ID number (a passport number no real
 * document has: letters then hex digits) AND the test issuer. Removal refuses anything that lacks one of the three.
 */
export const TEST_RECORD_KINDS = {
  smoke: { certIdPrefix: 'SMOKE-', idNumberPrefix: 'SMOKE', holderName: '冒烟测试𠮷' },
  load: { certIdPrefix: 'LOAD-', idNumberPrefix: 'LOAD', holderName: '压力测试' },
} as const;

export type TestRecordKind = keyof typeof TEST_RECORD_KINDS;

/** The issuer every test certificate carries (and the PDF prints): no real certificate is issued by it. */
export const TEST_ISSUER = 'ecert 测试数据（非真实证书，测试后删除）';
export const TEST_ID_TYPE: IdType = 'PASSPORT';
/** A password test holders register with; test holders exist only for the minutes of a run. */
export const TEST_PASSWORD = 'Test-holder-2026!';

/** A run id: 10 upper-case hex digits, so certIds and ID numbers of one run share it and stay within their limits. */
export const newTestRunId = (): string => randomBytes(5).toString('hex').toUpperCase();

/**
 * The import row of one test certificate. `sequence` tells several certificates of one run apart (load data); the ID
 * number stays within a passport's 20 characters: prefix (≤ 5) + run id (10) + sequence (≤ 5 digits).
 */
export function testCertificateRecord(kind: TestRecordKind, runId: string, sequence = 0, now: Date = new Date()): CertificateRecord {
  const spec = TEST_RECORD_KINDS[kind];
  if (!/^[0-9A-F]{10}$/.test(runId)) throw new RangeError('a test run id is 10 upper-case hex digits');
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 99_999) throw new RangeError('sequence must be 0–99999');
  const seq = String(sequence).padStart(5, '0');
  const today = chinaDate(now);
  return {
    certId: `${spec.certIdPrefix}${runId}-${seq}`,
    holderName: spec.holderName,
    idType: TEST_ID_TYPE,
    idNumber: `${spec.idNumberPrefix}${runId}${seq}`,
    qualificationCode: 'ECONOMICS',
    level: '中级',
    specialty: '测试',
    // Issued today: on or after 2021-12-17, so an e-certificate that can only be seen through an annotation (R1).
    approvalDate: today,
    issuedAt: today,
    issuer: TEST_ISSUER,
  };
}

/** The kind of a certId that names a test certificate, or undefined. */
export function testKindOfCertId(certId: string): TestRecordKind | undefined {
  return (Object.keys(TEST_RECORD_KINDS) as TestRecordKind[]).find((kind) =>
    certId.startsWith(TEST_RECORD_KINDS[kind].certIdPrefix),
  );
}

/** Why a stored certificate is not a removable test record, or undefined when it is one. */
export function notATestRecord(cert: Pick<CertificateRecord, 'certId' | 'idType' | 'idNumber' | 'issuer'>): string | undefined {
  const kind = testKindOfCertId(cert.certId);
  if (!kind) {
    return `its certId does not start with ${Object.values(TEST_RECORD_KINDS)
      .map((k) => k.certIdPrefix)
      .join(' or ')}`;
  }
  if (cert.issuer !== TEST_ISSUER) return 'its issuer is not the test-data issuer';
  const prefix = TEST_RECORD_KINDS[kind].idNumberPrefix;
  if (cert.idType !== TEST_ID_TYPE || !new RegExp(`^${prefix}[0-9A-F]{10}\\d{5}$`).test(cert.idNumber)) {
    return 'its holder identity is not a test identity';
  }
  return undefined;
}
