import { FONT_ASSETS } from '../pdf/font-files';
import type { BUCKET } from './bucket';
import { DEAD_LETTER_CONSUMER_TIMEOUT_SECONDS, QUEUES, RENDER_CONSUMER_TIMEOUT_SECONDS } from './queues';

/** A key prefix of the document bucket (BUCKET.prefixes): object access is granted per prefix. */
export type BucketPrefixName = keyof typeof BUCKET.prefixes;
/** Reading or writing the objects under one prefix of the document bucket. */
export type BucketAccess = `bucket:${'read' | 'write'}:${BucketPrefixName}`;

/**
 * Every Lambda function, declared once: the CDK stack builds a NodejsFunction and its grants from this list, and the
 * local runtime imports the same entry modules. `access` is the whole of what a function may touch; the stack turns
 * each entry into the narrowest grant it has (tests assert the resulting policies).
 */
export type Access =
  | 'table:read'
  | 'table:write'
  | BucketAccess
  | 'queue:send'
  | 'secret:id-hash-key'
  | 'secret:jwt-key'
  | 'secret:signing-key'
  /** SendEmail from the stack's configured SES identity only (issue 11: codes and reminders). */
  | 'email:send'
  /** SendTextMessage from the stack's configured End User Messaging SMS origination identity only. */
  | 'sms:send';

export function isBucketAccess(access: Access): access is BucketAccess {
  return access.startsWith('bucket:');
}

export function parseBucketAccess(access: BucketAccess): { mode: 'read' | 'write'; prefix: BucketPrefixName } {
  const [, mode, prefix] = access.split(':') as ['bucket', 'read' | 'write', BucketPrefixName];
  return { mode, prefix };
}

/** How a non-HTTP function is invoked; HTTP functions are reached through ROUTES. */
export type Trigger =
  | { type: 'queue'; queue: 'annotations' | 'deadLetter'; batchSize: number }
  | { type: 'schedule'; everyMinutes: number };

export interface FunctionDecl {
  /** Stable id: CDK construct id and local log prefix. */
  id: string;
  /** Module path from the repo root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  access: readonly Access[];
  trigger?: Trigger;
  /** Files (repo-relative) the bundle must carry next to the code, e.g. fonts: NodejsFunction copies no assets. */
  assets?: readonly string[];
  /** Reserved concurrency: caps what one function can take from the account (queue consumers). */
  reservedConcurrency?: number;
}

const api = (id: string, entry: string, access: readonly Access[], memoryMb = 256): FunctionDecl => ({
  id,
  entry,
  memoryMb,
  timeoutSeconds: 10,
  access,
});

const job = (decl: FunctionDecl): FunctionDecl => decl;

/** Memory of every function that computes a password hash (scrypt N=2^17 takes 128 MiB by itself). */
export const PASSWORD_HASHING_MB = 1024;
/**
 * Their timeout: a hash takes about a second on Lambda at 1,024 MB, but the local runtime shares two cores among all
 * functions (several hashes queue for libuv's threads), and API Gateway waits up to 30 s for an integration.
 */
export const PASSWORD_HASHING_TIMEOUT_SECONDS = 20;

const passwordApi = (id: string, entry: string, access: readonly Access[]): FunctionDecl => ({
  ...api(id, entry, access, PASSWORD_HASHING_MB),
  timeoutSeconds: PASSWORD_HASHING_TIMEOUT_SECONDS,
});

export const FUNCTIONS = {
  health: api('Health', 'functions/api/health.ts', []),
  openapi: api('OpenApi', 'functions/api/openapi.ts', []),
  notFound: api('NotFound', 'functions/api/not-found.ts', []),
  // scrypt at N=2^17, r=8 (shared/auth/password.ts) needs 128 MiB per hash beside Node's own ~80 MB, and one core for
  // ~0.6 s: Lambda's CPU share grows with memory (1,769 MB = one vCPU), so 1,024 MB keeps a login near one second.
  // Registration reads the identity's account and its contact, uses the code (a write) and hashes the password.
  accountsCreate: passwordApi('AccountsCreate', 'functions/api/accounts-create.ts', ['table:read', 'table:write', 'secret:id-hash-key']),
  // The password guard keys sources with the ID-hash key and signs proof-of-work challenges with keys from the JWT key.
  sessionsCreate: passwordApi('SessionsCreate', 'functions/api/sessions-create.ts', [
    'table:read',
    'table:write',
    'secret:id-hash-key',
    'secret:jwt-key',
  ]),
  passwordChange: passwordApi('PasswordChange', 'functions/api/password-change.ts', [
    'table:read',
    'table:write',
    'secret:id-hash-key',
    'secret:jwt-key',
  ]),
  passwordReset: passwordApi('PasswordReset', 'functions/api/password-reset.ts', ['table:read', 'table:write', 'secret:id-hash-key']),
  accountName: passwordApi('AccountName', 'functions/api/account-name.ts', ['table:read', 'table:write', 'secret:id-hash-key', 'secret:jwt-key']),
  accountGet: api('AccountGet', 'functions/api/account-get.ts', ['table:read', 'secret:jwt-key']),
  accountContact: api('AccountContact', 'functions/api/account-contact.ts', ['table:read', 'table:write', 'secret:id-hash-key', 'secret:jwt-key']),
  /** One-time codes by SMS or e-mail (issue 11): the only API function that sends messages. */
  verificationCodesCreate: api('VerificationCodesCreate', 'functions/api/verification-codes-create.ts', [
    'table:read',
    'table:write',
    'secret:id-hash-key',
    'email:send',
    'sms:send',
  ]),
  noticeGet: api('NoticeGet', 'functions/api/notice-get.ts', []),
  noticeAccept: api('NoticeAccept', 'functions/api/notice-accept.ts', ['table:read', 'table:write', 'secret:jwt-key']),
  certificatesList: api('CertificatesList', 'functions/api/certificates-list.ts', ['table:read', 'secret:jwt-key']),
  certificateGet: api('CertificateGet', 'functions/api/certificate-get.ts', ['table:read', 'secret:jwt-key']),
  certificateFile: api('CertificateFile', 'functions/api/certificate-file.ts', [
    'table:read',
    'bucket:read:electronicFiles',
    'secret:jwt-key',
  ]),
  // The apply transaction reads the quota and writes annotation, quota and idempotency record; then SendMessage (and,
  // with remind: true, the expiry reminders).
  annotationsCreate: api('AnnotationsCreate', 'functions/api/annotations-create.ts', [
    'table:read',
    'table:write',
    'queue:send',
    'secret:jwt-key',
  ]),
  annotationsList: api('AnnotationsList', 'functions/api/annotations-list.ts', ['table:read', 'secret:jwt-key']),
  annotationGet: api('AnnotationGet', 'functions/api/annotation-get.ts', ['table:read', 'secret:jwt-key']),
  annotationDownload: api('AnnotationDownload', 'functions/api/annotation-download.ts', [
    'table:read',
    'bucket:read:annotations',
    'secret:jwt-key',
  ]),
  /** Re-enqueues stale PENDING annotations and fails those re-enqueued too often (docs/annotations.md). */
  reconciler: job({
    id: 'Reconciler',
    entry: 'functions/jobs/reconciler.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['table:read', 'table:write', 'queue:send'],
    trigger: { type: 'schedule', everyMinutes: 5 },
  }),
  /** Dead letters: mark the annotation FAILED and free its quota slot. Write-only: one conditional transaction. */
  deadLetters: job({
    id: 'DeadLetters',
    entry: 'functions/jobs/dead-letter.ts',
    memoryMb: 256,
    timeoutSeconds: DEAD_LETTER_CONSUMER_TIMEOUT_SECONDS,
    access: ['table:write'],
    trigger: { type: 'queue', queue: 'deadLetter', batchSize: 10 },
  }),
  /** Expiry reminders due (sharded day partitions; docs/accounts.md), sent by SMS or e-mail. */
  reminders: job({
    id: 'Reminders',
    entry: 'functions/jobs/reminders.ts',
    memoryMb: 256,
    timeoutSeconds: 120,
    access: ['table:read', 'table:write', 'email:send', 'sms:send'],
    trigger: { type: 'schedule', everyMinutes: 60 },
  }),
  verifyCode: api('VerifyCode', 'functions/api/verify-code.ts', ['table:read']),
  // Writes the per-certificate miss counter (issue 11 §8).
  verifyHolder: api('VerifyHolder', 'functions/api/verify-holder.ts', ['table:read', 'table:write']),
  verifyDocument: api('VerifyDocument', 'functions/api/verify-document.ts', ['table:read'], 512),
  render: {
    id: 'RenderConsumer',
    entry: 'functions/render/consumer.ts',
    // Rendering is CPU-bound; Lambda's CPU share grows with memory, and the fonts (~60 MB parsed) need room.
    memoryMb: 1024,
    timeoutSeconds: RENDER_CONSUMER_TIMEOUT_SECONDS,
    // Writes rendered PDFs only: certificate electronic files (files/) are written by operators through the CLI.
    access: ['table:read', 'table:write', 'bucket:write:annotations', 'secret:signing-key'],
    trigger: { type: 'queue', queue: 'annotations', batchSize: QUEUES.annotations.batchSize },
    assets: FONT_ASSETS,
    reservedConcurrency: 20,
  },
} as const satisfies Record<string, FunctionDecl>;

export type FunctionKey = keyof typeof FUNCTIONS;
