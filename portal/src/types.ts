/** Shapes of the API's answers (docs/api.md), taken from the server's own view types so the two cannot drift. */
import type { QuotaView } from '../../shared/domain/annotation';
import type { AnnotationView } from '../../shared/domain/annotation-view';
import type { CertificateView } from '../../shared/domain/certificate-view';
import type { VerificationView } from '../../shared/domain/verification-view';
import type { AccountView } from '../../shared/services/holder-accounts';

export type Certificate = CertificateView;
export type Annotation = AnnotationView;
export type Quota = QuotaView;
export type Verification = VerificationView;
/** GET /v1/accounts/me (Accounts v2). */
export type Account = AccountView;

export interface CertificateList {
  items: Certificate[];
  hint?: { message: string; reasons: string[]; contact: string };
}

export interface AnnotationList {
  items: Annotation[];
  quota: Quota;
}

export interface DownloadLink {
  url: string;
  expiresAt: string;
  filename?: string;
}

/** POST /v1/verify/document (shared/services/verify-document.ts). */
export type DocumentVerification = Verification & {
  documentIntact: boolean;
  signature: {
    signed: boolean;
    valid: boolean;
    signerName?: string;
    padesLevel?: 'B-B' | 'B-T' | 'B-LT' | null;
    timestamp?: { time: string; tsa: string; valid: boolean } | null;
    certification?: { certified: boolean; permission: number | null; respected: boolean };
    modifiedAfterSigning?: boolean;
  };
  credential?: { present: boolean; valid: boolean; matchesParticulars: boolean; mismatches: string[] };
};
