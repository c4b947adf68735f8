import { describe, expect, it } from 'vitest';
import { checkCertificateRow, chinaDate, type RowIssue } from '../../shared/domain/certificate-record';
import { certificateRow, residentId, withWrongCheckChar } from '../support/certificate-rows';

const NOW = new Date('2024-06-15T04:00:00Z');

function issuesOf(row: unknown, now = NOW): RowIssue[] {
  const result = checkCertificateRow(row, { now });
  if (result.ok) throw new Error(`expected the row to be rejected, got ${JSON.stringify(result.record)}`);
  return result.issues;
}

function recordOf(row: unknown, now = NOW) {
  const result = checkCertificateRow(row, { now });
  if (!result.ok) throw new Error(`expected the row to pass, got ${JSON.stringify(result.issues)}`);
  return result.record;
}

const fields = (issues: RowIssue[]) => issues.map((issue) => issue.field);

describe('checkCertificateRow: a good row', () => {
  it('returns the normalised record', () => {
    // Prepare
    const id = residentId(7, '19790101');
    const row = certificateRow({ certId: '  ZG-2019-0001 ', idNumber: ` ${id.slice(0, 6)} ${id.slice(6).toLowerCase()}`, issuer: ' 人社部 ' });

    // Act
    const record = recordOf(row);

    // Assess
    expect(record).toEqual({
      certId: 'ZG-2019-0001',
      holderName: '张三',
      idType: 'RESIDENT_ID',
      idNumber: id.toUpperCase(),
      qualificationCode: 'ECONOMICS',
      level: '中级',
      specialty: '金融',
      approvalDate: '2019-05-20',
      issuedAt: '2019-06-30',
      issuer: '人社部',
    });
  });

  it('keeps a name with CJK Extension B characters exactly, counting code points', () => {
    // Prepare: 𠮷 (U+20BB7) is two UTF-16 units; 50 of them are 100 units but 50 characters.
    const row = certificateRow({ holderName: '𠮷野𡈽' });
    const longest = certificateRow({ holderName: '𠮷'.repeat(50) });

    // Act
    const record = recordOf(row);

    // Assess
    expect(record.holderName).toBe('𠮷野𡈽');
    expect(Buffer.from(record.holderName, 'utf8').equals(Buffer.from('𠮷野𡈽', 'utf8'))).toBe(true);
    expect(recordOf(longest).holderName).toBe('𠮷'.repeat(50));
    expect(fields(issuesOf(certificateRow({ holderName: '𠮷'.repeat(51) })))).toEqual(['holderName']);
  });

  it('normalises a decomposed name to NFC', () => {
    const record = recordOf(certificateRow({ holderName: 'Zoe\u0301 Martin' }));
    expect(record.holderName).toBe('Zoé Martin');
  });

  it('drops an empty specialty and accepts a missing or null one (JSON Lines)', () => {
    // Prepare
    const { specialty: _omit, ...withoutSpecialty } = certificateRow();

    // Act / Assess
    expect(recordOf(certificateRow({ specialty: '   ' }))).not.toHaveProperty('specialty');
    expect(recordOf(withoutSpecialty)).not.toHaveProperty('specialty');
    expect(recordOf({ ...withoutSpecialty, specialty: null })).not.toHaveProperty('specialty');
  });

  it('accepts the Chinese name of an ID type', () => {
    expect(recordOf(certificateRow({ idType: '居民身份证' })).idType).toBe('RESIDENT_ID');
    expect(recordOf(certificateRow({ idType: '护照', idNumber: 'e12345678' }))).toMatchObject({
      idType: 'PASSPORT',
      idNumber: 'E12345678',
    });
  });

  it('counts level and issuer in code points', () => {
    const record = recordOf(certificateRow({ level: '𠮷'.repeat(20), issuer: '𠮷'.repeat(100) }));
    expect([...record.level]).toHaveLength(20);
    expect(fields(issuesOf(certificateRow({ level: '中'.repeat(21), issuer: '中'.repeat(101) })))).toEqual(['level', 'issuer']);
  });

  it('treats today in China as today, even when it is still yesterday in UTC', () => {
    // Prepare: 2024-03-01T16:30Z is 00:30 on 2024-03-02 in Beijing.
    const now = new Date('2024-03-01T16:30:00Z');

    // Act
    const record = recordOf(certificateRow({ approvalDate: '2024-03-02', issuedAt: '2024-03-02' }), now);

    // Assess
    expect(chinaDate(now)).toBe('2024-03-02');
    expect(record.issuedAt).toBe('2024-03-02');
  });
});

describe('checkCertificateRow: bad rows', () => {
  it.each([
    ['certId', '', '管理号不能为空'],
    ['certId', 'ZG 001', '管理号应为'],
    ['certId', 'ZG_001', '管理号应为'],
    ['certId', 'A'.repeat(41), '管理号应为'],
    ['holderName', '张三3', '姓名只能包含文字'],
    ['holderName', '', '姓名不能为空'],
    ['idType', 'ID_CARD', '证件类型应为'],
    ['qualificationCode', 'PLUMBING', '资格代码不在资格目录中'],
    ['level', '', '级别不能为空'],
    ['specialty', '专'.repeat(51), '专业不能超过50个字'],
    ['approvalDate', '2019/05/20', 'YYYY-MM-DD'],
    ['approvalDate', '2019-02-29', '不是有效的日历日期'],
    ['approvalDate', '2019-13-01', '不是有效的日历日期'],
    ['approvalDate', '1899-12-31', '早于1900年'],
    ['issuedAt', '2024-06-16', '不能晚于今天'],
    ['issuer', '', '签发单位不能为空'],
    ['issuer', '人社部\n北京', '签发单位不能包含换行等控制字符'],
    ['level', '中\t级', '级别不能包含换行等控制字符'],
    ['specialty', '金融\r\n保险', '专业不能包含换行等控制字符'],
  ] as const)('rejects %s = %j', (field, value, reason) => {
    // Act
    const issues = issuesOf(certificateRow({ [field]: value }));

    // Assess
    expect(fields(issues)).toContain(field);
    expect(issues.find((issue) => issue.field === field)!.reason).toContain(reason);
  });

  it('accepts 29 February in a leap year', () => {
    expect(recordOf(certificateRow({ approvalDate: '2020-02-29', issuedAt: '2020-03-01' })).approvalDate).toBe('2020-02-29');
  });

  it('rejects an issue date before the approval date', () => {
    const issues = issuesOf(certificateRow({ approvalDate: '2020-05-01', issuedAt: '2020-04-30' }));
    expect(issues).toEqual([{ field: 'issuedAt', reason: '签发日期不能早于批准日期' }]);
  });

  it('checks the GB 11643 check digit and the birth date of a resident ID', () => {
    expect(issuesOf(certificateRow({ idNumber: withWrongCheckChar(residentId(3)) }))).toEqual([
      { field: 'idNumber', reason: '居民身份证号码校验位不正确' },
    ]);
    expect(issuesOf(certificateRow({ idNumber: residentId(3, '19890230') }))).toEqual([
      { field: 'idNumber', reason: '居民身份证号码中的出生日期无效' },
    ]);
  });

  it('checks the ID number against the ID type given', () => {
    expect(fields(issuesOf(certificateRow({ idType: 'HK_MACAO_PERMIT' })))).toEqual(['idNumber']);
  });

  it('names unknown and missing columns', () => {
    // Prepare
    const { issuer: _omit, ...row } = certificateRow();

    // Act
    const issues = issuesOf({ ...row, holder_name: '张三', remarks: 'x' });

    // Assess
    expect(issues).toEqual([
      { field: 'issuer', reason: '缺少签发单位' },
      { field: 'holder_name', reason: '未知列' },
      { field: 'remarks', reason: '未知列' },
    ]);
  });

  it('reports every reason of a row at once, in column order', () => {
    // Prepare
    const row = certificateRow({
      certId: 'bad id',
      idNumber: withWrongCheckChar(residentId(9)),
      qualificationCode: 'NOPE',
      approvalDate: '2021-02-30',
      issuedAt: 'tomorrow',
    });

    // Act
    const issues = issuesOf({ ...row, extra: '1' });

    // Assess
    expect(fields(issues)).toEqual(['certId', 'idNumber', 'qualificationCode', 'approvalDate', 'issuedAt', 'extra']);
  });

  it('rejects values that are not text (JSON Lines) and rows that are not objects', () => {
    expect(issuesOf({ ...certificateRow(), level: 2, issuer: null })).toEqual([
      { field: 'level', reason: '级别应为文本' },
      { field: 'issuer', reason: '签发单位应为文本' },
    ]);
    expect(issuesOf(['a'])).toEqual([{ field: '(row)', reason: '每行应为一个对象' }]);
    expect(issuesOf('x')).toEqual([{ field: '(row)', reason: '每行应为一个对象' }]);
  });

  it('never puts the ID number in a reason', () => {
    // Prepare: ID numbers that fail in every way the validator knows.
    const numbers = [
      withWrongCheckChar(residentId(11)),
      residentId(12, '20300101'),
      '11010519880214',
      'E1234',
    ];
    const rows = numbers.flatMap((idNumber) => [
      certificateRow({ idNumber }),
      certificateRow({ idNumber, idType: 'PASSPORT' }),
      certificateRow({ idNumber, idType: 'TAIWAN_PERMIT', qualificationCode: 'NOPE' }),
    ]);

    // Act
    const results = rows.map((row) => checkCertificateRow(row, { now: NOW }));

    // Assess
    expect(results.filter((r) => !r.ok).length).toBeGreaterThanOrEqual(numbers.length * 2);
    const text = JSON.stringify(results.flatMap((r) => (r.ok ? [] : r.issues)));
    for (const idNumber of numbers) expect(text).not.toContain(idNumber);
  });
});
