import { randomBytes } from 'node:crypto';
import type { Certificate } from './certificate';

/**
 * Annotation rules (R2–R6), pure. Stored states are PENDING → READY | FAILED; EXPIRED and REVOKED are derived on
 * every read from timestamps and the certificate, never stored, because DynamoDB TTL deletes late (R6).
 */
export type StoredAnnotationStatus = 'PENDING' | 'READY' | 'FAILED';
export type AnnotationStatus = StoredAnnotationStatus | 'EXPIRED' | 'REVOKED';

export const ANNOTATION_STATUS_LABELS: Record<AnnotationStatus, string> = {
  PENDING: '证书生成中…',
  READY: '有效',
  FAILED: '生成失败',
  EXPIRED: '加注件已过期',
  REVOKED: '已撤销',
};

export const MIN_VALID_DAYS = 1;
export const MAX_VALID_DAYS = 90;
export const DEFAULT_VALID_DAYS = 90;
export const QUOTA_LIMIT = 3;
export const QUOTA_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

export interface Annotation {
  annotationId: string;
  certId: string;
  holderId: string;
  scenario: string;
  validDays: number;
  /** ISO 8601 UTC */
  appliedAt: string;
  validFrom: string;
  validUntil: string;
  status: StoredAnnotationStatus;
  /** Issued at application, shown once READY (issue: verification). */
  verificationCode: string;
  objectKey?: string;
  documentSha256?: string;
  documentSize?: number;
  renderedAt?: string;
  failureReason?: string;
  /** Stable code of the deterministic failure (e.g. CERTIFICATE_REVOKED; see domain/render-failure). */
  failureCode?: string;
  failedAt?: string;
  /** Renders actually tried (counted with the outcome: READY, FAILED, or a transient failure), never receives. */
  renderAttempts?: number;
  /** The last transient render failure (a code, never a message) and when: its message is retrying or in the DLQ. */
  lastFailure?: string;
  lastFailedAt?: string;
  /** How many times the reconciler re-sent its message, and when it last did. */
  enqueueCount?: number;
  lastEnqueuedAt?: string;
  /** Expiry reminders were asked for at application (Accounts v2); stored only when true. */
  remind?: true;
}

/** The validity window: from the moment of application, whole days of 24 h. */
export function validityWindow(appliedAt: Date, validDays: number): { validFrom: Date; validUntil: Date } {
  return { validFrom: appliedAt, validUntil: new Date(appliedAt.getTime() + validDays * DAY_MS) };
}

export function deriveStatus(
  annotation: Pick<Annotation, 'status' | 'validUntil'>,
  certificate: Pick<Certificate, 'status'>,
  now: Date,
): AnnotationStatus {
  if (certificate.status === 'REVOKED') return 'REVOKED';
  if (annotation.status === 'READY' && now.getTime() >= Date.parse(annotation.validUntil)) return 'EXPIRED';
  return annotation.status;
}

/** Quota slots: annotationId → appliedAt (ISO) of every non-failed annotation applied for in the window. */
export type QuotaSlots = Record<string, string>;

export function liveSlots(slots: QuotaSlots, now: Date): QuotaSlots {
  const cutoff = now.getTime() - QUOTA_WINDOW_DAYS * DAY_MS;
  return Object.fromEntries(Object.entries(slots).filter(([, appliedAt]) => Date.parse(appliedAt) > cutoff));
}

/** R4 decided on the slots read: may one more annotation be admitted now? */
export function quotaDecision(slots: QuotaSlots, now: Date): { admit: true; live: QuotaSlots } | { admit: false; quota: QuotaView } {
  const live = liveSlots(slots, now);
  return Object.keys(live).length < QUOTA_LIMIT ? { admit: true, live } : { admit: false, quota: quotaView(live, now) };
}

export interface QuotaView {
  limit: number;
  used: number;
  windowDays: number;
  /** Applications still possible now: limit − used, never below 0. */
  remaining: number;
  /** Whether the quota admits an application now (remaining > 0). */
  canApply: boolean;
  /** When the oldest slot leaves the window; null while a slot is free. */
  nextAvailableAt: string | null;
  /** When the oldest used slot leaves the window, full or not; null when no slot is used. */
  oldestSlotFreesAt: string | null;
}

/** R4 as a holder sees it: the portal shows these figures as they are and computes none of them. */
export function quotaView(slots: QuotaSlots, now: Date): QuotaView {
  const live = Object.values(liveSlots(slots, now)).map(Date.parse).sort((a, b) => a - b);
  const frees = (appliedAt: number) => new Date(appliedAt + QUOTA_WINDOW_DAYS * DAY_MS).toISOString();
  const remaining = Math.max(0, QUOTA_LIMIT - live.length);
  return {
    limit: QUOTA_LIMIT,
    used: live.length,
    windowDays: QUOTA_WINDOW_DAYS,
    remaining,
    canApply: remaining > 0,
    nextAvailableAt: live.length >= QUOTA_LIMIT ? frees(live[live.length - QUOTA_LIMIT]!) : null,
    oldestSlotFreesAt: live.length > 0 ? frees(live[0]!) : null,
  };
}

/** What the holder reads when R4 refuses an application (the API's QUOTA_EXCEEDED detail). */
export function quotaExceededText(quota: QuotaView): string {
  const next = quota.nextAvailableAt ? `，下次可申请时间为${shanghaiDateTime(quota.nextAvailableAt)}（北京时间）` : '';
  return `同一证书${quota.windowDays}天内最多可申请${quota.limit}次加注${next}`;
}

/**
 * A new application, built from what the holder asked for: PENDING, its validity window fixed from the moment of
 * application (R2), a fresh verification code, a time-ordered id.
 */
export function newAnnotation(
  input: { certId: string; holderId: string; scenario: string; validDays: number; remind?: boolean },
  now: Date,
): Annotation {
  const { validFrom, validUntil } = validityWindow(now, input.validDays);
  return {
    annotationId: newAnnotationId(now),
    certId: input.certId,
    holderId: input.holderId,
    scenario: input.scenario,
    validDays: input.validDays,
    appliedAt: now.toISOString(),
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    status: 'PENDING',
    verificationCode: newVerificationCode(),
    ...(input.remind ? { remind: true as const } : {}),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID: 48-bit time + 80 random bits, Crockford base32 — sorts by creation time within a certificate's partition. */
export function newAnnotationId(now: Date = new Date()): string {
  let time = now.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let tail = '';
  let bits = 0;
  let value = 0;
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      tail += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return head + tail;
}

export const ANNOTATION_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The code a third party types or scans to verify a copy: 20 Crockford base32 characters (100 random bits), printed
 * in four groups of five (`formatVerificationCode`). The alphabet has no I, L, O or U, so nothing reads as something
 * else; input is taken in any case, with or without separators, and I/L/O typed for 1/1/0 (Crockford's rule).
 */
export function newVerificationCode(): string {
  const random = randomBytes(13);
  let code = '';
  let value = 0n;
  for (const byte of random) value = (value << 8n) | BigInt(byte);
  // 104 bits drawn, the top 100 used.
  value >>= 4n;
  for (let i = 0; i < 20; i++) {
    code = CROCKFORD[Number(value & 31n)]! + code;
    value >>= 5n;
  }
  return code;
}

export const VERIFICATION_CODE_LENGTH = 20;
/** Codes issued before the Crockford format: 24 base64url characters, case-sensitive, stored as they are. */
const LEGACY_CODE = /^[A-Za-z0-9_-]{24}$/;
/** What a person may type: a legacy code, or 20 Crockford characters in any case with spaces or hyphens between. */
export const VERIFICATION_CODE_PATTERN = /^(?:[A-Za-z0-9_-]{24}|[\s-]*(?:[0-9A-Za-z][\s-]*){20})$/;

/**
 * The stored forms an input can be, most likely first: the canonical Crockford code (upper case, no separators), and
 * the input itself when it is shaped like a legacy code. Empty when it can be neither.
 */
export function verificationCodeCandidates(input: string): string[] {
  const candidates: string[] = [];
  const compact = input.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  if (compact.length === VERIFICATION_CODE_LENGTH && [...compact].every((c) => CROCKFORD.includes(c))) candidates.push(compact);
  if (LEGACY_CODE.test(input) && !candidates.includes(input)) candidates.push(input);
  return candidates;
}

/** For print and display: `7K3QF-9X2MA-0RT5V-BC4DE`; a legacy code as it is. */
export function formatVerificationCode(code: string): string {
  return code.length === VERIFICATION_CODE_LENGTH ? (code.match(/.{5}/g) ?? [code]).join('-') : code;
}

/** Display in Asia/Shanghai (UTC+8, no DST): 2026年11月22日 15:04 */
export function shanghaiDateTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${pad(d.getUTCMonth() + 1)}月${pad(d.getUTCDate())}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

