import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { ddb } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { checkCode } from '../../shared/services/one-time-codes';
import { guardedPasswordCheck } from '../../shared/services/password-guard';
import { runCli } from '../support/cli';
import { residentId } from '../support/factories';
import { register } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { sensitiveFindings } from '../support/pii-scan';

/** The helpdesk commands as an operator runs them against a running local stack; every use lands in the audit trail. */
let stack: TestStack;
const idNumber = residentId('19850607');
let idHash: string;

beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
  expect((await register(stack, { name: '赵𠮷', idNumber })).status).toBe(201);
  idHash = await hashIdentity('RESIDENT_ID', idNumber);
});
afterAll(async () => {
  await stack?.stop();
});

const holder = (...args: string[]) => runCli(['holder', ...args, '--data-dir', stack.dataDir]);

describe('ecert holder', () => {
  it('show prints the account masked, never the ID number', async () => {
    // Act
    const run = await holder('show', 'RESIDENT_ID', idNumber);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('name      赵*');
    expect(run.stdout).toMatch(/id {8}RESIDENT_ID \d{3}\*{11}[\dX]{4}/);
    // Registration proved the contact the code went to (Accounts v2): shown masked only.
    expect(run.stdout).toMatch(/contact {3}139\*{4}\d{4}/);
    expect(sensitiveFindings(run.stdout + run.stderr, [idNumber])).toEqual([]);
  });

  it('recovery-code prints a 24-hour code that the service accepts for any purpose', async () => {
    // Act
    const run = await holder('recovery-code', 'RESIDENT_ID', idNumber);
    const printed = /recovery code: (R-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(run.stdout)?.[1];
    const stored = await checkCode('RESET_PASSWORD', 'RESIDENT_ID', idHash, printed!, new Date());

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('the identity has an account');
    expect(stored.kind).toBe('RECOVERY');
    expect(Date.parse(/valid until (\S+)/.exec(run.stdout)![1]!) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
  });

  it('unlock forgets the failed attempts of every source', async () => {
    // Prepare
    let at = Date.now();
    for (const sourceIp of ['127.0.0.21', '127.0.0.22']) {
      for (let i = 0; i < 3; i++) await guardedPasswordCheck({ idType: 'RESIDENT_ID', idHash, sourceIp, now: new Date((at += 1)) }, async () => false);
    }
    const before = await holder('show', 'RESIDENT_ID', idNumber);

    // Act
    const run = await holder('unlock', 'RESIDENT_ID', idNumber);
    const after = await holder('show', 'RESIDENT_ID', idNumber);

    // Assess
    expect(before.stdout).toContain('failed attempts in the last hour: 6');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(2 sources)');
    expect(after.stdout).toContain('failed attempts in the last hour: 0');
  });

  it('records every use in the audit trail, without the ID number or the code', async () => {
    // Act
    const out = await ddb().send(
      new QueryCommand({
        TableName: process.env[ENV.tableName],
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#ID#RESIDENT_ID#${idHash}` },
      }),
    );
    const events = out.Items ?? [];

    // Assess
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['holder.show', 'holder.recovery-code', 'holder.unlock']));
    // The helpdesk's own events are operator actions: the operator (locally the OS user, in the cloud the IAM
    // principal) and their machine. The identity's partition also holds the account's own events (the registration,
    // carried in from the table stream with the holder as actor; this stack runs no stream consumers).
    const helpdesk = events.filter((e) => String(e.action).startsWith('holder.'));
    expect(helpdesk.length).toBeGreaterThanOrEqual(3);
    for (const event of helpdesk) {
      expect(event.actor).toMatchObject({ kind: 'operator', id: expect.stringMatching(/^local:/) });
      expect(event.source).toMatchObject({ host: expect.any(String), via: 'ecert-cli' });
    }
    expect(JSON.stringify(events)).not.toContain(idNumber);
    expect(sensitiveFindings(JSON.stringify(events), [idNumber])).toEqual([]);
  });

  it('refuses a malformed ID number without repeating it', async () => {
    // Act
    const run = await holder('show', 'RESIDENT_ID', '110105198803151233');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('校验位');
    expect(run.stderr).not.toContain('110105198803151233');
  });
});
