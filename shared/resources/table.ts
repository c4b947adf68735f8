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
  indexes: {
    /** Certificates by holder identity: gsi1pk = ID#<idType>#<hmac(idNumber)>. Keys only, so no index exposes PII. */
    byHolderIdentity: {
      name: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      projection: 'KEYS_ONLY',
    },
    /** Sparse: only PENDING annotations carry gsi2pk, so the reconciler reads exactly the work it may have to redo. */
    pendingAnnotations: {
      name: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      projection: 'KEYS_ONLY',
    },
  },
} as const;

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
  quota: (certId: string) => ({ pk: `CERT#${certId}`, sk: 'QUOTA' }),
  verification: (code: string) => ({ pk: `VERIFY#${code}`, sk: 'VERIFY' }),
  idempotency: (holderId: string, key: string) => ({ pk: `IDEMPOTENCY#${holderId}#${key}`, sk: 'IDEMPOTENCY' }),
  pendingPartition: 'PENDING',
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
