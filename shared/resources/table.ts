/**
 * The single DynamoDB table, declared once. The CDK storage construct and the local runtime's provisioner both read
 * this, so local and cloud cannot drift. Item shapes per entity are documented in docs/table-design.md.
 */
export const TABLE = {
  logicalName: 'ecert',
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds. Every expiring item (annotation, idempotency record, lockout) carries it; see R6 for why reads never trust it. */
  ttlAttribute: 'validUntil',
  /**
   * Every change, old and new image, to the audit trail's consumer (issue 13 §3: certificate and account changes
   * become audit events, audit events are archived) and the report counters (§6: annotation transitions).
   */
  stream: 'NEW_AND_OLD_IMAGES',
  indexes: {
    /** Certificates by holder identity: gsi1pk = ID#<idType>#<hmac(idNumber)>. Keys only, so no index exposes PII. */
    byHolderIdentity: {
      name: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      projection: 'KEYS_ONLY',
    },
    /**
     * Sparse: only PENDING annotations carry gsi2pk, so the reconciler reads exactly the work it may have to redo.
     * Keys only. Sharded over PENDING_SHARDS partition keys: one key would be one partition (≈ 1,000 writes/s, and
     * every annotation writes the index twice — in at apply, out at READY), and a throttled GSI throttles the table.
     */
    pendingAnnotations: {
      name: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      projection: 'KEYS_ONLY',
    },
  },
} as const;

/**
 * gsi2 partition keys for PENDING annotations. 16 shards hold 16 × 1,000 index writes/s; the results-day peak
 * (infra/config.ts) needs two per annotation. The shard is a pure function of the annotation id, so the READY or
 * FAILED transition needs no read to find it, and the reconciler queries every shard.
 */
export const PENDING_SHARDS = 16;

/** FNV-1a (32-bit) of the annotation id, modulo PENDING_SHARDS: stable across processes and releases. */
export function pendingShardOf(annotationId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < annotationId.length; i++) {
    hash ^= annotationId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % PENDING_SHARDS;
}

const pendingShardKey = (shard: number): string => `PENDING#${String(shard).padStart(2, '0')}`;

export type TableIndexName = (typeof TABLE.indexes)[keyof typeof TABLE.indexes]['name'];

/** Key builders: the only place key formats are spelled. */
export const keys = {
  holder: (holderId: string) => ({ pk: `HOLDER#${holderId}`, sk: 'PROFILE' }),
  identity: (idType: string, idHash: string) => ({ pk: `IDENTITY#${idType}#${idHash}`, sk: 'IDENTITY' }),
  certificate: (certId: string) => ({ pk: `CERT#${certId}`, sk: 'CERT' }),
  certificateByHolder: (idType: string, idHash: string) => `ID#${idType}#${idHash}`,
  /** gsi1sk of a certificate: a holder's certificates sort by issue date. */
  certificateByHolderSort: (issuedAt: string, certId: string) => `CERT#${issuedAt}#${certId}`,
  annotation: (certId: string, annotationId: string) => ({ pk: `CERT#${certId}`, sk: `ANN#${annotationId}` }),
  annotationPrefix: 'ANN#',
  verification: (code: string) => ({ pk: `VERIFY#${code}`, sk: 'VERIFY' }),
  idempotency: (holderId: string, key: string) => ({ pk: `IDEMPOTENCY#${holderId}#${key}`, sk: 'IDEMPOTENCY' }),
  /** gsi2pk of a PENDING annotation: PENDING#00 … PENDING#15. */
  pendingPartition: (annotationId: string) => pendingShardKey(pendingShardOf(annotationId)),
  pendingShard: pendingShardKey,
  /** Audit events of one subject (certificate, identity, run, system part), oldest first: `at#eventId` sorts by time. */
  audit: (subject: string, at: string, eventId: string) => ({ pk: `AUDIT#${subject}`, sk: `${at}#${eventId}` }),
  auditPartition: (subject: string) => `AUDIT#${subject}`,
  auditPrefix: 'AUDIT#',
  /** Report counters of one day (Asia/Shanghai), one item per hour and qualification (docs/operations.md). */
  stats: (day: string, hour: string, qualificationCode: string) => ({ pk: `STATS#${day}`, sk: `${hour}#${qualificationCode}` }),
  statsPartition: (day: string) => `STATS#${day}`,
  /** The seal's published PKI state (the CA's CRL), one item per issuing CA (docs/signing.md). */
  pki: (name: string) => ({ pk: `PKI#${name}`, sk: 'PKI' }),
  /** Which status list entry an annotation's embedded credential got (revocation flips it). */
  credentialStatus: (certId: string, annotationId: string) => ({ pk: `CERT#${certId}`, sk: `CREDSTATUS#${annotationId}` }),
  credentialStatusPrefix: 'CREDSTATUS#',
  /** A Bitstring Status List: its revoked indexes and the signed status list credential. */
  statusList: (listId: number) => ({ pk: `STATUSLIST#${listId}`, sk: 'LIST' }),
  // ── Accounts (issue 11; docs/accounts.md) ──
  /** One N-per-window counter (code sends, verification misses, login failures per identity…). */
  windowCounter: (name: string, subject: string) => ({ pk: `LIMIT#${name}#${subject}`, sk: 'LIMIT' }),
  /** The live one-time code of an identity for one purpose (a new code replaces it); RECOVERY for helpdesk codes. */
  oneTimeCode: (purpose: string, idType: string, idHash: string) => ({ pk: `CODE#${purpose}#${idType}#${idHash}`, sk: 'CODE' }),
  /** Password failures of one source against one identity (the source is a keyed hash, never the address). */
  loginSource: (idType: string, idHash: string, sourceHash: string) => ({ pk: `LOGIN#${idType}#${idHash}`, sk: `SOURCE#${sourceHash}` }),
  /** A proof-of-work challenge already used (single use). */
  usedChallenge: (id: string) => ({ pk: `CHALLENGE#${id}`, sk: 'USED' }),
  /** Expiry reminders in day partitions, sharded (shared/domain/reminders.ts). */
  reminderPartition: (day: string, shard: number) => `REMIND#${day}#${shard}`,
  reminderSort: (dueAt: string, annotationId: string, daysBefore: number) => `${dueAt}#${annotationId}#${daysBefore}`,
} as const;
