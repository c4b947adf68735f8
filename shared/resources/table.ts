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
  /** Failed-login counter per identity, whether or not an account exists, so lockout reveals nothing. */
  loginAttempts: (idType: string, idHash: string) => ({ pk: `LOGIN#${idType}#${idHash}`, sk: 'LOGIN' }),
  pendingPartition: 'PENDING',
  /** The seal's published PKI state (the CA's CRL), one item per issuing CA (docs/signing.md). */
  pki: (name: string) => ({ pk: `PKI#${name}`, sk: 'PKI' }),
  /** Which status list entry an annotation's embedded credential got (revocation flips it). */
  credentialStatus: (certId: string, annotationId: string) => ({ pk: `CERT#${certId}`, sk: `CREDSTATUS#${annotationId}` }),
  credentialStatusPrefix: 'CREDSTATUS#',
  /** A Bitstring Status List: its revoked indexes and the signed status list credential. */
  statusList: (listId: number) => ({ pk: `STATUSLIST#${listId}`, sk: 'LIST' }),
} as const;
