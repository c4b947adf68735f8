import { z } from 'zod';
import { ID_TYPES, checkHolderName, checkIdNumber, type IdType } from '../domain/identity';
import { checkPasswordPolicy, PASSWORD_MAX_LENGTH } from '../auth/password';
import { ANNOTATION_ID_PATTERN, MAX_VALID_DAYS, MIN_VALID_DAYS } from '../domain/annotation';
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

const code = z.string({ error: '请输入验证码' }).min(1, '请输入验证码').max(32);
/** A solved proof-of-work challenge (ALTCHA payload), when the answer before asked for one. */
const altcha = z.string().max(8192).optional();

/** Accounts v2 (API.md): registration carries the one-time code (or a helpdesk recovery code). */
export const RegisterBody = z
  .strictObject({
    name: z.string({ error: '请输入姓名' }).max(400),
    idType,
    idNumber: z.string({ error: '请输入证件号码' }).max(64),
    password: z.string({ error: '请输入密码' }).max(PASSWORD_MAX_LENGTH * 4),
    code,
  })
  .transform((body, ctx) => {
    const name = checkHolderName(body.name);
    if (!name.ok) ctx.addIssue({ code: 'custom', path: ['name'], message: name.reason });
    const id = checkIdNumber(body.idType, body.idNumber);
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
    newPassword: z.string({ error: '请输入新密码' }).max(PASSWORD_MAX_LENGTH * 4),
  })
  .superRefine((body, ctx) => {
    const check = checkPasswordPolicy(body.newPassword);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: check.reason });
  });

export const ChangeNameBody = z
  .strictObject({
    name: z.string({ error: '请输入姓名' }).max(400),
    password: z.string({ error: '请输入当前密码' }).min(1, '请输入当前密码').max(PASSWORD_MAX_LENGTH * 4),
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
  idNumber: z.string({ error: '请输入证件号码' }).min(1, '请输入证件号码').max(64),
  password: z.string({ error: '请输入密码' }).min(1, '请输入密码').max(PASSWORD_MAX_LENGTH * 4),
  altcha,
});

export const ChangePasswordBody = z
  .strictObject({
    currentPassword: z.string({ error: '请输入当前密码' }).max(PASSWORD_MAX_LENGTH * 4),
    newPassword: z.string({ error: '请输入新密码' }).max(PASSWORD_MAX_LENGTH * 4),
    altcha,
  })
  .superRefine((body, ctx) => {
    const check = checkPasswordPolicy(body.newPassword);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: check.reason });
  });

export const NoticeAcceptanceBody = z.strictObject({
  version: z.string({ error: '请提供须知版本' }).min(1).max(64),
});

/** 管理号 as the import accepts it; anything else cannot exist, so it is a 404, not a 422. */
export const CertIdParam = z.string().regex(CERT_ID_PATTERN);

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

/** Annotation ids are ULIDs; anything else cannot exist, so it is a 404, not a 422. */
export const AnnotationIdParam = z.string().regex(ANNOTATION_ID_PATTERN);

/** 查验 inputs. Lengths are bounded; the values themselves are only compared, never validated into an error message. */
export const VerifyHolderBody = z.strictObject({
  certId: z.string({ error: '请输入管理号' }).min(1, '请输入管理号').max(64),
  holderName: z.string({ error: '请输入姓名' }).min(1, '请输入姓名').max(200),
  idNumber: z.string({ error: '请输入证件号码' }).min(1, '请输入证件号码').max(64),
});
