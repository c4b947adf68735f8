import { validityWindow } from '../../shared/domain/annotation';
import type { Certificate } from '../../shared/domain/certificate';
import { findQualification } from '../../shared/domain/qualifications';
import { findScenario } from '../../shared/domain/scenarios';
import type { AnnotatedCertificateInput } from '../../shared/pdf/annotated-certificate';
import { certificateRecord } from '../support/factories';

/** The certificate the render benchmarks print, with an ordinary or an Extension-B holder name. */
export function benchInput(holderName: string, serial = 0): AnnotatedCertificateInput {
  const certificate: Certificate = {
    ...certificateRecord({ certId: `Z20240216${String(serial).padStart(5, '0')}`, holderName, idNumber: '44030619920101567X' }),
    status: 'VALID',
    importedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
  const appliedAt = new Date(Date.UTC(2026, 10, 22, 7, 0, serial % 60));
  const { validFrom, validUntil } = validityWindow(appliedAt, 90);
  const code = `q7Vb2nX9kLm4Pz8RtYw${String(serial).padStart(5, '0')}`;
  return {
    certificate,
    qualification: findQualification('ECONOMICS')!,
    scenario: findScenario('SELF_USE')!,
    annotation: {
      annotationId: `01KAQ3V9ZQ6X4M2N8P5R${String(serial).padStart(6, '0')}`,
      appliedAt: appliedAt.toISOString(),
      validFrom: validFrom.toISOString(),
      validUntil: validUntil.toISOString(),
      validDays: 90,
      verificationCode: code,
    },
    verificationUrl: `https://ecert.example/v1/verify/${code}`,
  };
}

export const NAMES = { ordinary: '张伟', extB: '林𠮷' } as const;
