import { FONT_ASSETS } from './font-files';
import type { BUCKET } from './bucket';
import { QUEUES, RENDER_CONSUMER_TIMEOUT_SECONDS } from './queues';
import type { StreamFilter } from './stream-filters';

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
  /** GetQueueAttributes on the render queue: how deep its backlog is (the reconciler). */
  | 'queue:depth'
  | 'secret:id-hash-key'
  | 'secret:jwt-key'
  | 'secret:signing-key'
  /** PutItem/BatchWriteItem on AUDIT# items only (IAM dynamodb:LeadingKeys): the audit trail's writers. */
  | 'table:audit'
  /** UpdateItem on STATS# items only: the report counters. */
  | 'table:stats'
  /** Objects of the import bucket (operations.ts); granted by the BulkImport construct, which owns the bucket. */
  | 'imports:read'
  | 'imports:write'
  /** PutObject into the audit archive (Object Lock); granted by the AuditArchive construct. */
  | 'archive:write'
  /** kms:Sign with the seal's issuing-CA key only (container certificates, CRLs): docs/signing.md. */
  | 'kms:sign'
  /** SendEmail from the stack's configured SES identity only (issue 11: codes and reminders). */
  | 'email:send'
  /** SendTextMessage from the stack's configured End User Messaging SMS origination identity only. */
  | 'sms:send';

/** Access to buckets the operations constructs own: they grant it (and set the bucket's name) themselves. */
export const OPERATIONS_ACCESS = ['imports:read', 'imports:write', 'archive:write'] as const satisfies readonly Access[];
export const isOperationsAccess = (access: Access): access is (typeof OPERATIONS_ACCESS)[number] =>
  (OPERATIONS_ACCESS as readonly string[]).includes(access);

export function isBucketAccess(access: Access): access is BucketAccess {
  return access.startsWith('bucket:');
}

export function parseBucketAccess(access: BucketAccess): { mode: 'read' | 'write'; prefix: BucketPrefixName } {
  const [, mode, prefix] = access.split(':') as ['bucket', 'read' | 'write', BucketPrefixName];
  return { mode, prefix };
}

/**
 * How a non-HTTP function is invoked; HTTP functions are reached through ROUTES. A queue trigger's `maxConcurrency` is
 * the event source mapping's maximum concurrency (2 … 1,000): without it the mapping keeps receiving past the
 * function's reservation, and throttled messages come back after the visibility timeout until they reach the DLQ
 * unrendered. It must not exceed `reservedConcurrency`; the local runtime runs at most that many consumers.
 */
export type Trigger =
  | { type: 'queue'; queue: 'annotations' | 'deadLetter'; batchSize: number; maxConcurrency: number }
  | { type: 'schedule'; everyMinutes: number }
  /**
   * The table's stream (TABLE.stream), filtered: Lambda's event source mapping in the cloud, local/stream-poller.ts
   * locally. `maxBatchingWindowSeconds`: records wait up to that long to be delivered together — a consumer that
   * aggregates (counters, an archive) then runs once per window instead of once per few records.
   */
  | { type: 'stream'; batchSize: number; maxBatchingWindowSeconds: number; filters: readonly StreamFilter[] };

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
  /**
   * Reserved concurrency: caps what one function can take from the account (queue consumers). The values here are the
   * local runtime's and the default; a deployed environment sizes the render function from its peak profile
   * (infra/sizing.ts), keeping the event source's maxConcurrency at or below the reservation.
   */
  reservedConcurrency?: number;
}

/**
 * Memory of an API handler. Lambda gives CPU in proportion to memory (1,769 MB = one vCPU): at 256 MB a handler's
 * ~20–40 ms of CPU (JWT check, SDK marshalling, middleware) stretches sevenfold, which at the peak's ~3,400 requests/s
 * would need more concurrency than the account's default 1,000 (docs/capacity.md). At 512 MB the CPU part takes half
 * as long for the same GB-seconds, so only the wait on AWS calls costs more.
 */
export const API_MEMORY_MB = 512;

const api = (id: string, entry: string, access: readonly Access[], memoryMb = API_MEMORY_MB): FunctionDecl => ({
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
  /**
   * Re-sends the render message of PENDING annotations that show no sign of one, unless the queue's backlog could
   * hold them all; never fails one (docs/annotations.md). Nothing consumes the DLQ: its messages wait for
   * `npm run ecert -- dlq redrive`.
   */
  reconciler: job({
    id: 'Reconciler',
    entry: 'functions/jobs/reconciler.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['table:read', 'table:write', 'queue:send', 'queue:depth'],
    trigger: { type: 'schedule', everyMinutes: 5 },
  }),
  // table:stats: each answer is counted for the operator report (issue 13 §6).
  verifyCode: api('VerifyCode', 'functions/api/verify-code.ts', ['table:read', 'table:stats']),
  // table:write: the per-certificate miss counter (issue 11 §8).
  verifyHolder: api('VerifyHolder', 'functions/api/verify-holder.ts', ['table:read', 'table:write', 'table:stats']),
  verifyDocument: api('VerifyDocument', 'functions/api/verify-document.ts', ['table:read', 'table:stats']),
  /**
   * Issue 13 §3: certificate and account changes (with their change stamps) become audit events; every audit event
   * inserted is archived to the Object Lock bucket. docs/operations.md.
   */
  auditTrail: job({
    id: 'AuditTrail',
    entry: 'functions/jobs/audit-trail.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['table:audit', 'archive:write'],
    trigger: {
      type: 'stream',
      batchSize: 100,
      // Every application changes its certificate item (the quota): without a window, one invocation per few of them.
      maxBatchingWindowSeconds: 5,
      filters: [
        { eventNames: ['INSERT', 'MODIFY'], pkPrefix: 'CERT#', sk: 'CERT' },
        { eventNames: ['INSERT', 'MODIFY'], pkPrefix: 'HOLDER#', sk: 'PROFILE' },
        { eventNames: ['INSERT'], pkPrefix: 'AUDIT#' },
      ],
    },
  }),
  /** Issue 13 §6: annotation transitions → hourly counters per qualification (the `report` read path) and metrics. */
  reportCounters: job({
    id: 'ReportCounters',
    entry: 'functions/jobs/report-counters.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['table:read', 'table:stats'],
    // Hourly counters: a 5 s window makes one counter update per bucket per window, however many transitions it holds.
    trigger: {
      type: 'stream',
      batchSize: 500,
      maxBatchingWindowSeconds: 5,
      filters: [{ eventNames: ['INSERT', 'MODIFY'], pkPrefix: 'CERT#', sk: { prefix: 'ANN#' } }],
    },
  }),
  /** Issue 13 §1: one batch of a Distributed Map import (the same importer as the CLI). Invoked by the state machine. */
  importBatch: job({
    id: 'ImportBatch',
    entry: 'functions/jobs/import-batch.ts',
    memoryMb: 512,
    timeoutSeconds: 120,
    access: ['table:write', 'secret:id-hash-key', 'imports:write'],
  }),
  /** Issue 13 §1: after the Map, sums the batches into the run's report and rejected-lines file. */
  importReport: job({
    id: 'ImportReport',
    entry: 'functions/jobs/import-report.ts',
    memoryMb: 1024,
    timeoutSeconds: 300,
    access: ['imports:read', 'imports:write', 'table:audit'],
  }),
  /** The seal's public trust material: issuer, JWKS, CA certificate, CRL, status lists (docs/signing.md). */
  trustMaterial: api('TrustMaterial', 'functions/api/trust-material.ts', ['table:read', 'secret:signing-key']),
  /** Keeps the CA's CRL and the Bitstring Status List credentials fresh (one kms:Sign per CRL, per cold start). */
  pkiPublisher: job({
    id: 'PkiPublisher',
    entry: 'functions/jobs/pki-publisher.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['table:read', 'table:write', 'secret:signing-key', 'kms:sign'],
    trigger: { type: 'schedule', everyMinutes: 5 },
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
  render: {
    id: 'RenderConsumer',
    entry: 'functions/render/consumer.ts',
    // Rendering is CPU-bound; Lambda's CPU share grows with memory, and the fonts (~60 MB parsed) need room.
    memoryMb: 1024,
    timeoutSeconds: RENDER_CONSUMER_TIMEOUT_SECONDS,
    // Writes rendered PDFs only: certificate electronic files (files/) are written by operators through the CLI.
    access: ['table:read', 'table:write', 'bucket:write:annotations', 'secret:signing-key', 'kms:sign'],
    trigger: { type: 'queue', queue: 'annotations', batchSize: QUEUES.annotations.batchSize, maxConcurrency: 20 },
    assets: FONT_ASSETS,
    reservedConcurrency: 20,
  },
} as const satisfies Record<string, FunctionDecl>;

export type FunctionKey = keyof typeof FUNCTIONS;
