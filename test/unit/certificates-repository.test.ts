import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { checkCertificateRow } from '../../shared/domain/certificate-record';
import { idHash } from '../../shared/domain/id-hash';
import {
  attachElectronicFile,
  CertificateNotFoundError,
  listCertificatesByIdentity,
  revokeCertificate,
  upsertCertificate,
} from '../../shared/repository/certificates';
import { NotAPdfError } from '../../shared/repository/documents';
import { keys } from '../../shared/resources/table';
import { certificateRow } from '../support/certificate-rows';

/**
 * The repository's request shapes and its handling of what DynamoDB leaves to the caller (UnprocessedKeys, condition
 * failures), against a mocked document client. The integration test runs the same code against DynamoDB Local.
 */
const TABLE_NAME = 'unit-ecert';
const KEY = 'unit-test-hmac-key';
const ddbMock = mockClient(DynamoDBDocumentClient);

function record(overrides = {}) {
  const result = checkCertificateRow(certificateRow(overrides));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.record;
}

function item(rec: ReturnType<typeof record>, extra: Record<string, unknown> = {}) {
  return {
    ...keys.certificate(rec.certId),
    ...rec,
    gsi1pk: keys.certificateByHolder(rec.idType, idHash(KEY, rec.idType, rec.idNumber)),
    gsi1sk: keys.certificateByHolderSort(rec.issuedAt, rec.certId),
    status: 'VALID',
    importedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

beforeAll(() => {
  process.env[ENV.tableName] = TABLE_NAME;
  resetClients();
});
afterAll(() => {
  ddbMock.restore();
  delete process.env[ENV.tableName];
});
beforeEach(() => ddbMock.reset());

describe('upsertCertificate', () => {
  it('writes one UpdateItem that keeps status and importedAt, and tells created from updated', async () => {
    // Prepare
    const rec = record({ specialty: '' });
    ddbMock.on(UpdateCommand).resolvesOnce({}).resolvesOnce({ Attributes: { certId: rec.certId } });

    // Act
    const first = await upsertCertificate(rec, KEY, new Date('2024-02-01T00:00:00Z'));
    const second = await upsertCertificate(rec, KEY);

    // Assess
    expect([first, second]).toEqual(['created', 'updated']);
    const input = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual(keys.certificate(rec.certId));
    // That a re-import keeps status and the first importedAt is behaviour DynamoDB decides: asserted against DynamoDB
    // Local in test/integration/cli-import.test.ts, not by reading the expression back here.
    const values = Object.values(input.ExpressionAttributeValues!);
    expect(values).not.toContain('');
    // The empty specialty is removed, not stored as '' (contacts absent from the record likewise).
    const removed = input.UpdateExpression!.split('REMOVE ')[1]!.split(', ').map((name) => input.ExpressionAttributeNames![name]);
    expect(removed).toContain('specialty');
    expect(values).toContain(keys.certificateByHolder(rec.idType, idHash(KEY, rec.idType, rec.idNumber)));
    expect(values).toContain(`CERT#${rec.issuedAt}#${rec.certId}`);
    expect(input.ReturnValues).toBe('UPDATED_OLD');
  });
});

describe('listCertificatesByIdentity', () => {
  it('retries UnprocessedKeys, keeps the index order and drops items whose identity moved', async () => {
    // Prepare: three certificates in the index; the table answers in two rounds, and one item now has another holder.
    const [a, b, c] = [record({ issuedAt: '2020-01-03' }), record({ issuedAt: '2020-01-02' }), record({ issuedAt: '2020-01-01' })];
    const hash = idHash(KEY, a!.idType, a!.idNumber);
    const mine = (rec: ReturnType<typeof record>) => item(rec, { gsi1pk: keys.certificateByHolder(rec.idType, hash) });
    ddbMock.on(QueryCommand).resolves({ Items: [a!, b!, c!].map((rec) => ({ ...keys.certificate(rec.certId), gsi1pk: 'x', gsi1sk: 'y' })) });
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE_NAME]: [mine(c!), item(b!, { gsi1pk: 'ID#RESIDENT_ID#someone-else' })] },
        UnprocessedKeys: { [TABLE_NAME]: { Keys: [keys.certificate(a!.certId)] } },
      })
      .resolvesOnce({ Responses: { [TABLE_NAME]: [mine(a!)] } });

    // Act
    const certificates = await listCertificatesByIdentity('RESIDENT_ID', hash);

    // Assess
    expect(certificates.map((cert) => cert.certId)).toEqual([a!.certId, c!.certId]);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(2);
    expect(ddbMock.commandCalls(BatchGetCommand)[1]!.args[0].input.RequestItems![TABLE_NAME]!.Keys).toEqual([
      keys.certificate(a!.certId),
    ]);
    expect(ddbMock.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ IndexName: 'gsi1', ScanIndexForward: false });
    expect(certificates[0]).not.toHaveProperty('gsi1pk');
  });

  it('returns an empty list without reading the table when the index has nothing', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    expect(await listCertificatesByIdentity('PASSPORT', 'nobody')).toEqual([]);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(0);
  });
});

describe('revokeCertificate', () => {
  const conditionFailed = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

  it('reports the first revocation when the certificate is already revoked', async () => {
    // Prepare
    const rec = record();
    ddbMock.on(UpdateCommand).rejects(conditionFailed);
    ddbMock.on(GetCommand).resolves({
      Item: item(rec, { status: 'REVOKED', revokedAt: '2024-01-02T03:04:05.000Z', revocationReason: 'first' }),
    });
    // The credentials' status entries of its annotations (none here): re-applied, idempotently.
    ddbMock.on(QueryCommand).resolves({ Items: [] });

    // Act
    const revocation = await revokeCertificate(rec.certId, 'second');

    // Assess
    expect(revocation).toEqual({ certId: rec.certId, revokedAt: '2024-01-02T03:04:05.000Z', reason: 'first', alreadyRevoked: true });
  });

  it('throws CertificateNotFoundError for an unknown certificate', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed);
    ddbMock.on(GetCommand).resolves({});
    await expect(revokeCertificate('NOPE-1', 'reason')).rejects.toThrow(CertificateNotFoundError);
  });

  it('refuses an empty or overlong reason before any request', async () => {
    await expect(revokeCertificate('C-1', '  ')).rejects.toThrow(RangeError);
    await expect(revokeCertificate('C-1', 'x'.repeat(201))).rejects.toThrow(RangeError);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('attachElectronicFile', () => {
  it('refuses bytes that are not a PDF before touching anything', async () => {
    await expect(attachElectronicFile('C-1', Buffer.from('<html>'))).rejects.toThrow(NotAPdfError);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
