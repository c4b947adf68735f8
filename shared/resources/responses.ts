import { z } from 'zod';
import { ANNOTATION_STATUS_LABELS, type AnnotationStatus } from '../domain/annotation';
import { ID_TYPES } from '../domain/identity';
import { VERIFICATION_REASON_TEXT, type VerificationReason } from '../domain/verification-view';

/**
 * Response schemas: what each route answers, as the OpenAPI document declares it (shared/http/openapi.ts). The
 * handlers' return types are checked against them at compile time (routeHandler), and the tests validate every
 * response they receive against the document (test/support/contract.ts), which forbids undeclared members — so a view
 * that grows a field without its schema fails a test instead of leaking it.
 */
const isoTime = (description?: string) => z.string().meta({ format: 'date-time', ...(description ? { description } : {}) });
const isoDate = (description: string) => z.string().meta({ format: 'date', description });

const ANNOTATION_STATUSES = Object.keys(ANNOTATION_STATUS_LABELS) as [AnnotationStatus, ...AnnotationStatus[]];
const VERIFICATION_REASONS = Object.keys(VERIFICATION_REASON_TEXT) as [VerificationReason, ...VerificationReason[]];

export const Health = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

/** The issuer every embedded credential names (`issuer.id` dereferences here) and where its trust material is. */
export const Issuer = z
  .strictObject({
    id: z.url(),
    name: z.string(),
    jwks_uri: z.url(),
    caCertificate: z.url(),
    crl: z.url(),
    statusLists: z.string().meta({ description: 'URL template of the status lists ({listId})' }),
    securing: z.string(),
  })
  .meta({ id: 'Issuer' });

/** The issuing CA's public key (RFC 7517) with its certificate chain (x5c), the trust anchor of the credentials. */
export const IssuerJwks = z
  .strictObject({
    keys: z.array(
      z.looseObject({
        kty: z.string(),
        kid: z.string(),
        use: z.literal('sig'),
        x5c: z.array(z.string()).min(1),
        'x5t#S256': z.string(),
      }),
    ),
  })
  .meta({ id: 'IssuerJwks' });

export const OpenApiDocumentBody = z.looseObject({ openapi: z.string() }).meta({ description: 'OpenAPI 3.1 文档（即本文档）' });

export const Registered = z.strictObject({ holderId: z.uuid() }).meta({ id: 'Registered' });

export const CodeRequested = z.strictObject({ expiresAt: isoTime('验证码到期时间') }).meta({ id: 'CodeRequested' });

/** The holder's own account: the ID number and the contact masked. */
export const Account = z
  .strictObject({
    holderId: z.uuid(),
    name: z.string(),
    idType: z.enum(ID_TYPES),
    idNumberMasked: z.string(),
    contactMasked: z.string().optional().meta({ description: '已验证的联系方式（遮盖）' }),
    contactChannel: z.enum(['SMS', 'EMAIL']).optional(),
    noticeVersion: z.string().optional().meta({ description: '已同意的服务须知版本' }),
  })
  .meta({ id: 'Account' });

export const Session = z
  .strictObject({
    token: z.string().meta({ description: 'Bearer JWT' }),
    expiresAt: isoTime('令牌到期时间'),
    holderId: z.uuid(),
    holderName: z.string(),
    noticeAccepted: z.boolean().meta({ description: '是否已同意当前版本的服务须知（R8）' }),
  })
  .meta({ id: 'Session' });

export const Notice = z.strictObject({ version: z.string(), text: z.string() }).meta({ id: 'Notice' });

const Qualification = z.strictObject({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  specialty: z.string().optional(),
});

const commonCertificateFields = {
  certId: z.string().meta({ description: '管理号' }),
  idType: z.enum(ID_TYPES),
  idTypeLabel: z.string(),
  idNumberMasked: z.string().meta({ description: '证件号码（部分隐藏）' }),
  qualification: Qualification,
  approvalDate: isoDate('批准日期'),
  issuedAt: isoDate('签发日期'),
  issuer: z.string().meta({ description: '签发单位' }),
  sealAuthority: z.enum(['MOHRSS', 'INDUSTRY']),
  status: z.enum(['VALID', 'REVOKED']),
  statusLabel: z.string(),
  revokedAt: isoTime().optional(),
};

export const Certificate = z
  .strictObject({
    ...commonCertificateFields,
    holderName: z.string(),
    sealName: z.string(),
    annotationRequired: z.boolean().meta({ description: 'R1：2021年12月17日及以后的电子证书须加注后查看' }),
    hasElectronicFile: z.boolean(),
  })
  .meta({ id: 'Certificate' });

export const CertificateList = z
  .strictObject({
    items: z.array(Certificate),
    hint: z
      .strictObject({ message: z.string(), reasons: z.array(z.string()).readonly(), contact: z.string() })
      .optional()
      .meta({ description: 'R10：列表为空时的可能原因' }),
  })
  .meta({ id: 'CertificateList' });

export const DownloadLink = z
  .strictObject({
    url: z.url().meta({ description: '预签名链接，至多300秒有效' }),
    expiresAt: isoTime(),
    filename: z.string(),
  })
  .meta({ id: 'DownloadLink' });

export const Annotation = z
  .strictObject({
    annotationId: z.string(),
    certId: z.string(),
    scenario: z.string(),
    scenarioLabel: z.string(),
    validDays: z.number().int(),
    appliedAt: isoTime(),
    validFrom: isoTime(),
    validUntil: isoTime(),
    status: z.enum(ANNOTATION_STATUSES),
    statusLabel: z.string(),
    verificationCode: z.string().optional().meta({ description: '查验码（READY 或 EXPIRED 时）' }),
    documentSha256: z.string().optional(),
    documentSize: z.number().int().optional(),
    failureReason: z.string().optional(),
    remind: z.boolean().meta({ description: '申请时是否开启到期提醒（发送至已验证的联系方式）' }),
  })
  .meta({ id: 'Annotation' });

export const Quota = z
  .strictObject({
    limit: z.number().int(),
    used: z.number().int(),
    windowDays: z.number().int(),
    remaining: z.number().int().meta({ description: '现在还可申请的次数' }),
    canApply: z.boolean().meta({ description: '现在是否可以申请（remaining > 0）' }),
    nextAvailableAt: isoTime('次数用尽时，下次可申请时间').nullable(),
    oldestSlotFreesAt: isoTime('最早一次申请的名额释放时间').nullable(),
  })
  .meta({ id: 'Quota' });

export const AnnotationList = z.strictObject({ items: z.array(Annotation), quota: Quota }).meta({ id: 'AnnotationList' });

export const Verification = z
  .strictObject({
    valid: z.boolean(),
    reason: z.enum(VERIFICATION_REASONS).optional(),
    reasonText: z.string().optional(),
    certificate: z.strictObject({
      ...commonCertificateFields,
      holderNameMasked: z.string().meta({ description: '姓名（仅保留姓）' }),
    }),
    annotation: z
      .strictObject({
        annotationId: z.string(),
        scenario: z.string(),
        scenarioLabel: z.string(),
        validFrom: isoTime(),
        validUntil: isoTime(),
        status: z.enum(ANNOTATION_STATUSES),
        statusLabel: z.string(),
      })
      .optional(),
    checkedAt: isoTime(),
  })
  .meta({ id: 'Verification' });

/** What `POST /v1/verify/document` finds about the file's signature (docs/signing.md, "Verification"). */
export const DocumentSignatureReport = z
  .strictObject({
    signed: z.boolean(),
    valid: z.boolean(),
    signerName: z.string().optional(),
    subFilter: z.string().optional(),
    padesLevel: z.enum(['B-B', 'B-T', 'B-LT']).nullable(),
    claimedSigningTime: isoTime().optional(),
    timestamp: z.strictObject({ time: isoTime(), tsa: z.string(), valid: z.boolean() }).nullable(),
    certification: z.strictObject({ certified: z.boolean(), permission: z.number().int().nullable(), respected: z.boolean() }),
    coverage: z.enum(['WHOLE_FILE', 'REVISION', 'PARTIAL']).nullable(),
    modifiedAfterSigning: z.boolean(),
    longTermValidation: z
      .strictObject({ certificates: z.number().int(), crls: z.number().int(), complete: z.boolean() })
      .nullable(),
  })
  .meta({ id: 'DocumentSignatureReport' });

/** The W3C credential embedded in the file: present, signed by the PDF's key, and saying what the page shows. */
export const DocumentCredentialReport = z
  .strictObject({
    present: z.boolean(),
    valid: z.boolean(),
    matchesParticulars: z.boolean(),
    mismatches: z.array(z.string()),
  })
  .meta({ id: 'DocumentCredentialReport' });

export const DocumentVerification = z
  .strictObject({
    ...Verification.shape,
    documentIntact: z.boolean(),
    signature: DocumentSignatureReport,
    credential: DocumentCredentialReport,
  })
  .meta({ id: 'DocumentVerification' });
