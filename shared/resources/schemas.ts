import { z } from 'zod';
import { ID_TYPES, NAME_MAX_CODE_POINTS, checkHolderName, checkIdNumber, type IdType } from '../domain/identity';
import { checkPasswordPolicy, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/password';
import { ANNOTATION_ID_PATTERN, MAX_VALID_DAYS, MIN_VALID_DAYS, VERIFICATION_CODE_PATTERN } from '../domain/annotation';
import { IDEMPOTENCY_KEY_PATTERN } from '../domain/idempotency';
import { SCENARIO_CODES } from '../domain/scenarios';
import { CERT_ID_PATTERN } from '../domain/certificate';
import { CODE_PURPOSES } from '../domain/one-time-code';
import { parseContact, type Contact } from '../domain/contact-point';

/**
 * Request schemas: they validate requests and are the OpenAPI document's schemas (shared/http/openapi.ts). Messages
 * are Chinese for people; none echoes the input (it may be an ID number or a password).
 */
const idType = z.enum(ID_TYPES, { error: '证件类型不正确' });

/** Lengths in code points, as JSON Schema counts them (zod's own min/max count UTF-16 units: 𠮷 would count twice). */
function codePoints(min: number, max: number, messages: { required: string; tooLong: string }) {
  return z
    .string({ error: messages.required })
    .check((ctx) => {
      const length = [...ctx.value].length;
      if (length < min) ctx.issues.push({ code: 'custom', input: ctx.value, message: messages.required });
      else if (length > max) ctx.issues.push({ code: 'custom', input: ctx.value, message: messages.tooLong });
    })
    .meta({ minLength: min, maxLength: max });
}

const ID_NUMBER_RULES =
  '证件号码：先做 NFKC 规范化、去掉空格和连字符、转为大写，再按证件类型校验——RESIDENT_ID 18位（GB 11643 校验位，出生日期有效）；' +
  'PASSPORT 5–20位字母或数字；HK_MACAO_PERMIT H或M加8位或10位数字；TAIWAN_PERMIT 8位或10位数字；' +
  'FOREIGN_PERMANENT_ID 3个字母加12位数字，或以9开头的18位（GB 11643 校验位）。';
const ID_NUMBER_MAX = 64;
const idNumber = codePoints(1, ID_NUMBER_MAX, { required: '请输入证件号码', tooLong: '证件号码过长' });

const PASSWORD_RULES = `密码：${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH}个字符（NFC 规范化后计），须同时包含字母和数字。`;
/**
 * A new password as the document states the policy; checkPasswordPolicy judges it (NFC form) in the body's own
 * refinement, so that every field's problem is reported at once.
 */
const newPassword = (required: string) =>
  z.string({ error: required }).meta({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    pattern: '^(?=[\\s\\S]*\\p{L})(?=[\\s\\S]*\\p{Nd})',
    description: PASSWORD_RULES,
  });
/** Logging in judges no policy (an older policy may have set the password); only the bounds of any password. */
const anyPassword = codePoints(1, PASSWORD_MAX_LENGTH * 2, { required: '请输入密码', tooLong: '密码过长' });

const code = z.string({ error: '请输入验证码' }).min(1, '请输入验证码').max(32);
/** A solved proof-of-work challenge (ALTCHA payload), when the answer before asked for one. */
const altcha = z.string().max(8192).optional();

/** Accounts v2 (API.md): registration carries the one-time code (or a helpdesk recovery code). */
export const RegisterBody = z
  .strictObject({
    name: z.string({ error: '请输入姓名' }).meta({
      minLength: 1,
      maxLength: NAME_MAX_CODE_POINTS,
      description:
        `姓名：取得证书时使用的姓名，NFC，1–${NAME_MAX_CODE_POINTS}个字（按码位计，含生僻字），` +
        '任何文字均可，间隔号“·”（U+00B7）只能用在两部分之间。',
    }),
    idType,
    idNumber: z.string({ error: '请输入证件号码' }).meta({ minLength: 1, maxLength: ID_NUMBER_MAX, description: ID_NUMBER_RULES }),
    password: newPassword('请输入密码'),
    code,
  })
  // Every field is judged here, together, so that one answer names every field that is wrong.
  .transform((body, ctx) => {
    const name =
      [...body.name].length > NAME_MAX_CODE_POINTS
        ? ({ ok: false, reason: `姓名不能超过${NAME_MAX_CODE_POINTS}个字` } as const)
        : checkHolderName(body.name);
    if (!name.ok) ctx.addIssue({ code: 'custom', path: ['name'], message: name.reason });
    const id =
      [...body.idNumber].length > ID_NUMBER_MAX ? ({ ok: false, reason: '证件号码过长' } as const) : checkIdNumber(body.idType, body.idNumber);
    if (!id.ok) ctx.addIssue({ code: 'custom', path: ['idNumber'], message: id.reason });
    const password = checkPasswordPolicy(body.password);
    if (!password.ok) ctx.addIssue({ code: 'custom', path: ['password'], message: password.reason });
    if (!name.ok || !id.ok || !password.ok) return z.NEVER;
    return { name: name.name, idType: body.idType as IdType, idNumber: id.idNumber, password: body.password, code: body.code };
  });

/** A mobile number or an e-mail address, parsed to its canonical form (the reason never repeats it). */
const contact = z
  .string({ error: '请输入手机号码或电子邮箱' })
  .max(300)
  .transform((raw, ctx): Contact => {
    const parsed = parseContact(raw);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }
    return parsed.contact;
  });

/**
 * POST /v1/verification-codes. The ID number is only checked for shape when it is used (an unknown or malformed one
 * gets the same answer as any other), so it is not validated into an error here.
 */
export const VerificationCodeBody = z
  .strictObject({
    purpose: z.enum(CODE_PURPOSES, { error: `purpose 只能为：${CODE_PURPOSES.join('、')}` }),
    idType,
    idNumber: z.string({ error: '请输入证件号码' }).min(1, '请输入证件号码').max(64),
    contact: contact.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.purpose === 'CHANGE_CONTACT' && !body.contact) ctx.addIssue({ code: 'custom', path: ['contact'], message: '请输入新的手机号码或电子邮箱' });
  });

export const PasswordResetBody = z
  .strictObject({
    idType,
    idNumber: z.string({ error: '请输入证件号码' }).min(1, '请输入证件号码').max(64),
    code,
    newPassword: newPassword('请输入新密码'),
  })
  .superRefine((body, ctx) => {
    const check = checkPasswordPolicy(body.newPassword);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: check.reason });
  });

export const ChangeNameBody = z
  .strictObject({
    name: z.string({ error: '请输入姓名' }).max(400).meta({ minLength: 1, maxLength: NAME_MAX_CODE_POINTS, description: '更正后的姓名（规则同注册）' }),
    password: anyPassword,
    altcha,
  })
  .transform((body, ctx) => {
    const name = checkHolderName(body.name);
    if (!name.ok) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: name.reason });
      return z.NEVER;
    }
    return { ...body, name: name.name };
  });

export const ChangeContactBody = z.strictObject({
  contact: z.string({ error: '请输入手机号码或电子邮箱' }).min(1, '请输入手机号码或电子邮箱').max(300),
  code,
});

export const LoginBody = z.strictObject({
  idType,
  idNumber: idNumber.meta({ description: '证件号码（同注册时的规范化）' }),
  password: anyPassword,
  altcha,
});

export const ChangePasswordBody = z
  .strictObject({
    currentPassword: anyPassword,
    newPassword: newPassword('请输入新密码'),
    altcha,
  })
  .superRefine((body, ctx) => {
    const check = checkPasswordPolicy(body.newPassword);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: check.reason });
  });

export const NoticeAcceptanceBody = z.strictObject({
  version: z.string({ error: '请提供须知版本' }).min(1).max(64),
});


export const DispositionQuery = z.strictObject({
  disposition: z.enum(['attachment', 'inline'], { error: 'disposition 只能为 attachment 或 inline' }).optional(),
});

/** POST /v1/certificates/{certId}/annotations (R2): both fields required; validDays whole days 1–90, a JSON number. */
export const AnnotationRequestBody = z.strictObject({
  scenario: z.enum(SCENARIO_CODES, { error: `使用场景只能为：${SCENARIO_CODES.join('、')}` }),
  validDays: z
    .number({ error: `加注有效期应为${MIN_VALID_DAYS}至${MAX_VALID_DAYS}之间的整数天数` })
    .int(`加注有效期应为${MIN_VALID_DAYS}至${MAX_VALID_DAYS}之间的整数天数`)
    .min(MIN_VALID_DAYS, `加注有效期至少为${MIN_VALID_DAYS}天`)
    .max(MAX_VALID_DAYS, `加注有效期最长为${MAX_VALID_DAYS}天`),
  /** Expiry reminders to the verified contact (issue 11 §10). */
  remind: z.boolean({ error: 'remind 应为 true 或 false' }).optional(),
});

/** Optional request header of the apply route: a client-chosen key that makes a retried POST safe. */
export const IdempotencyKeyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, 'Idempotency-Key 应为1至128个字母、数字或 _ . : - 字符')
    .optional(),
});


/** 查验 inputs. Lengths are bounded; the values themselves are only compared, never validated into an error message. */
export const VerifyHolderBody = z.strictObject({
  certId: z.string({ error: '请输入管理号' }).min(1, '请输入管理号').max(64),
  holderName: z.string({ error: '请输入姓名' }).min(1, '请输入姓名').max(200),
  idNumber: z.string({ error: '请输入证件号码' }).min(1, '请输入证件号码').max(64),
});

// ── Path parameters ─────────────────────────────────────────────────────────────────────────────────────────────
// A value that does not match cannot name anything that exists: routeHandler answers 404 NOT_FOUND with the message
// below, the same answer as for a well-formed id that finds nothing (so the route cannot be used to probe).

/** The 404 texts, one per kind of resource: a malformed id and a missing one answer alike. */
export const NOT_FOUND_TEXT = {
  certificate: '未找到该证书',
  annotation: '未找到该加注记录',
  verification: '未查询到相符的证书信息，请核对后重试',
} as const;

/** 管理号 as the import accepts it. */
export const CertIdParam = z.string().regex(CERT_ID_PATTERN, NOT_FOUND_TEXT.certificate).meta({ description: '管理号' });
/** Annotation ids are ULIDs. */
export const AnnotationIdParam = z.string().regex(ANNOTATION_ID_PATTERN, NOT_FOUND_TEXT.annotation).meta({ description: '加注编号（ULID）' });
export const VerificationCodeParam = z
  .string()
  .regex(VERIFICATION_CODE_PATTERN, NOT_FOUND_TEXT.verification)
  .meta({ description: '查验码（加注件上的二维码所含）' });

export const CertificateParams = z.strictObject({ certId: CertIdParam });
export const AnnotationParams = z.strictObject({ certId: CertIdParam, annotationId: AnnotationIdParam });
export const VerificationCodeParams = z.strictObject({ verificationCode: VerificationCodeParam });
export const StatusListParams = z.strictObject({
  listId: z.string().regex(/^(0|[1-9][0-9]{0,8})$/, '未找到该状态列表').meta({ description: '状态列表编号' }),
});
