import { z } from 'zod';
import { CERT_ID_MAX, CERT_ID_PATTERN, type CertificateRecord } from './certificate';
import {
  checkHolderName,
  checkIdNumber,
  ID_TYPE_LABELS,
  ID_TYPES,
  isIdType,
  normalizeIdNumber,
  type IdType,
} from './identity';
import { checkEmail, checkMobile, type ContactCheck } from './contact';
import { findQualification } from './qualifications';

/**
 * One import row (a CSV line mapped by its header, or one JSON Lines object) → a CertificateRecord. Every problem of
 * a row is reported at once (field + reason) so an operator fixes a file in one pass. Reasons never contain the
 * value that was given: an ID number must not reach a terminal or a log through an error message.
 */
export const CERTIFICATE_COLUMNS = [
  'certId',
  'holderName',
  'idType',
  'idNumber',
  'qualificationCode',
  'level',
  'specialty',
  'approvalDate',
  'issuedAt',
  'issuer',
  'mobile',
  'email',
] as const satisfies readonly (keyof CertificateRecord)[];

export type CertificateColumn = (typeof CERTIFICATE_COLUMNS)[number];

/** Columns a file may leave out entirely (an absent value is the same as an empty one). */
export const OPTIONAL_COLUMNS: readonly CertificateColumn[] = ['specialty', 'mobile', 'email'];

export const LEVEL_MAX = 20;
export const SPECIALTY_MAX = 50;
export const ISSUER_MAX = 100;

export interface RowIssue {
  /** A column name, or `(row)` for a problem of the row as a whole. */
  field: string;
  reason: string;
}

export type RecordCheck = { ok: true; record: CertificateRecord } | { ok: false; issues: RowIssue[] };

export interface RecordCheckOptions {
  /** Dates may not lie after this day (Asia/Shanghai). Injected for tests. */
  now?: Date;
}

/** The calendar day in China: certificates are dated there, and an import just after midnight must see "today". */
// Built once: constructing a DateTimeFormat costs more than a whole row's validation (a tenth of an import's CPU).
const CHINA_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

export function chinaDate(at: Date): string {
  return CHINA_DAY.format(at);
}

const codePoints = (s: string) => [...s].length;
/** Line breaks, tabs and other controls: a quoted CSV field may carry them, a printed certificate must not. */
const CONTROL = /\p{Cc}/u;

/** Missing column, or not a string (JSON Lines may carry numbers or nulls). */
const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `缺少${what}` : `${what}应为文本`) });

const boundedText = (what: string, max: number) =>
  text(what)
    .transform((s) => s.normalize('NFC').trim())
    .check((ctx) => {
      const n = codePoints(ctx.value);
      if (n === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${what}不能为空` });
      else if (n > max) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${what}不能超过${max}个字` });
      if (CONTROL.test(ctx.value)) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${what}不能包含换行等控制字符` });
    });

const calendarDate = (what: string, today: string) =>
  text(what)
    .transform((s) => s.trim())
    .check((ctx) => {
      const reason = dateProblem(ctx.value, today);
      if (reason) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${what}${reason}` });
    });

function dateProblem(value: string, today: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return '应为 YYYY-MM-DD 格式的日期';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return '不是有效的日历日期';
  }
  if (year < 1900) return '早于1900年';
  if (value > today) return '不能晚于今天';
  return undefined;
}

/** An optional contact column: empty or absent is none; a value must pass its check (the reason never repeats it). */
const contact = (what: string, check: (raw: string) => ContactCheck) =>
  z
    .string({ error: `${what}应为文本` })
    .nullish()
    .transform((raw, ctx) => {
      const value = (raw ?? '').trim();
      if (!value) return undefined;
      const checked = check(value);
      if (checked.ok) return checked.value;
      ctx.issues.push({ code: 'custom', input: undefined, message: checked.reason });
      return z.NEVER;
    });

const ID_TYPE_BY_LABEL = new Map(Object.entries(ID_TYPE_LABELS).map(([type, label]) => [label, type as IdType]));

function schemaFor(today: string) {
  return z
    .strictObject(
      {
        certId: text('管理号')
          .transform((s) => s.trim())
          .check((ctx) => {
            if (!ctx.value) ctx.issues.push({ code: 'custom', input: ctx.value, message: '管理号不能为空' });
            else if (!CERT_ID_PATTERN.test(ctx.value)) {
              ctx.issues.push({ code: 'custom', input: ctx.value, message: `管理号应为1–${CERT_ID_MAX}位字母、数字或“-”` });
            }
          }),
        holderName: text('姓名').transform((raw, ctx) => {
          const checked = checkHolderName(raw);
          if (checked.ok) return checked.name;
          ctx.issues.push({ code: 'custom', input: raw, message: checked.reason });
          return z.NEVER;
        }),
        // The English code, or the Chinese label an operator's spreadsheet is likely to carry.
        idType: text('证件类型').transform((raw, ctx) => {
          const value = raw.trim();
          const type = isIdType(value) ? value : ID_TYPE_BY_LABEL.get(value);
          if (type) return type;
          ctx.issues.push({ code: 'custom', input: raw, message: `证件类型应为 ${ID_TYPES.join(' / ')} 之一` });
          return z.NEVER;
        }),
        // Checked against idType below; here only its presence and kind.
        idNumber: text('证件号码'),
        qualificationCode: text('资格代码')
          .transform((s) => s.trim())
          .check((ctx) => {
            if (!findQualification(ctx.value)) {
              ctx.issues.push({ code: 'custom', input: ctx.value, message: '资格代码不在资格目录中' });
            }
          }),
        level: boundedText('级别', LEVEL_MAX),
        specialty: z
          .string({ error: '专业应为文本' })
          .nullish()
          .transform((s) => (s ?? '').normalize('NFC').trim() || undefined)
          .check((ctx) => {
            if (ctx.value !== undefined && codePoints(ctx.value) > SPECIALTY_MAX) {
              ctx.issues.push({ code: 'custom', input: ctx.value, message: `专业不能超过${SPECIALTY_MAX}个字` });
            }
            if (ctx.value !== undefined && CONTROL.test(ctx.value)) {
              ctx.issues.push({ code: 'custom', input: ctx.value, message: '专业不能包含换行等控制字符' });
            }
          }),
        approvalDate: calendarDate('批准日期', today),
        issuedAt: calendarDate('签发日期', today),
        issuer: boundedText('签发单位', ISSUER_MAX),
        mobile: contact('手机号码', checkMobile),
        email: contact('电子邮箱', checkEmail),
      },
      { error: '每行应为一个对象' },
    )
    .superRefine(
      (value, ctx) => {
        // Runs even when other fields failed, so that one pass lists every reason; each rule needs its own inputs valid.
        const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]));
        if (!failed.has('approvalDate') && !failed.has('issuedAt') && value.issuedAt < value.approvalDate) {
          ctx.addIssue({ code: 'custom', input: undefined, path: ['issuedAt'], message: '签发日期不能早于批准日期' });
        }
        if (!failed.has('idType') && !failed.has('idNumber')) {
          const checked = checkIdNumber(value.idType, value.idNumber, new Date(`${today}T23:59:59Z`));
          if (!checked.ok) ctx.addIssue({ code: 'custom', input: undefined, path: ['idNumber'], message: checked.reason });
        }
      },
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
    );
}

const schemas = new Map<string, ReturnType<typeof schemaFor>>();

function schemaForDay(today: string) {
  let schema = schemas.get(today);
  if (!schema) {
    schemas.clear();
    schema = schemaFor(today);
    schemas.set(today, schema);
  }
  return schema;
}

/** Validates and normalises one row. The record's idNumber is the normalised form (upper case, no spaces). */
export function checkCertificateRow(row: unknown, options: RecordCheckOptions = {}): RecordCheck {
  const result = schemaForDay(chinaDate(options.now ?? new Date())).safeParse(row, { reportInput: false });
  if (result.success) {
    const { specialty, mobile, email, ...rest } = result.data;
    const record: CertificateRecord = { ...rest, idNumber: normalizeIdNumber(rest.idNumber) };
    if (specialty !== undefined) record.specialty = specialty;
    if (mobile !== undefined) record.mobile = mobile;
    if (email !== undefined) record.email = email;
    return { ok: true, record };
  }
  const issues: RowIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: key, reason: '未知列' });
    } else {
      issues.push({ field: issue.path.length ? issue.path.map(String).join('.') : '(row)', reason: issue.message });
    }
  }
  return { ok: false, issues: orderByColumn(issues) };
}

function orderByColumn(issues: RowIssue[]): RowIssue[] {
  const rank = (field: string) => {
    const i = (CERTIFICATE_COLUMNS as readonly string[]).indexOf(field);
    return i === -1 ? CERTIFICATE_COLUMNS.length : i;
  };
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) => rank(a.issue.field) - rank(b.issue.field) || a.i - b.i).map(({ issue }) => issue);
}
