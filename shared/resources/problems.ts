import { z } from 'zod';
import { Quota } from './responses';

/**
 * The contract's stable problem codes (docs/api.md): the one table that maps a code to its HTTP status and Chinese title.
 * Handlers and use cases throw `problem(code, detail)` (shared/http/problem.ts); routes declare which codes they answer
 * (shared/resources/routes.ts) and the OpenAPI document groups them by this status.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 422, title: '请求参数不正确' },
  MALFORMED_REQUEST: { status: 400, title: '请求格式不正确' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: '不支持的请求内容类型' },
  PAYLOAD_TOO_LARGE: { status: 413, title: '请求内容过大' },
  UNAUTHENTICATED: { status: 401, title: '请先登录' },
  INVALID_CREDENTIALS: { status: 401, title: '证件号码或密码不正确' },
  TOO_MANY_ATTEMPTS: { status: 429, title: '尝试次数过多，请稍后再试' },
  RATE_LIMITED: { status: 429, title: '请求过于频繁，请稍后再试' },
  NOTICE_NOT_ACCEPTED: { status: 403, title: '请先阅读并同意服务须知' },
  NOTICE_VERSION_OUTDATED: { status: 409, title: '服务须知已更新，请重新阅读' },
  ALREADY_REGISTERED: { status: 409, title: '该证件已注册' },
  CODE_INVALID: { status: 422, title: '验证码无效' },
  NOT_FOUND: { status: 404, title: '未找到' },
  METHOD_NOT_ALLOWED: { status: 405, title: '不支持该请求方法' },
  CERTIFICATE_REVOKED: { status: 409, title: '证书已撤销' },
  ANNOTATION_NOT_REQUIRED: { status: 422, title: '该证书无需加注' },
  QUOTA_EXCEEDED: { status: 409, title: '加注次数已达上限' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: '幂等键已用于其他请求' },
  ANNOTATION_PENDING: { status: 409, title: '证书生成中，请稍后' },
  ANNOTATION_EXPIRED: { status: 410, title: '加注件已过期，请重新申请加注' },
  ANNOTATION_FAILED: { status: 409, title: '加注件生成失败，请重新申请' },
  NOT_AN_ECERT: { status: 422, title: '不是本系统出具的电子证书' },
  INTERNAL: { status: 500, title: '服务内部错误' },
  SERVICE_UNAVAILABLE: { status: 503, title: '服务暂时不可用' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Headers a problem carries because of its status, whichever use case throws it: every 401 names the scheme to
 * authenticate with (RFC 9110 §15.5.2). HttpProblem adds them (shared/http/problem.ts) and the OpenAPI document
 * declares them as required, from this one table.
 */
export const STATUS_HEADERS: Readonly<Partial<Record<number, Readonly<Record<string, string>>>>> = {
  401: { 'www-authenticate': 'Bearer realm="ecert"' },
};

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

const isoTime = z.string().meta({ format: 'date-time' });

/**
 * Members a problem adds to the RFC 9457 ones, by the code that adds them (RFC 9457 §3.2 extension members). The
 * document declares them, so a client may rely on them and a response cannot carry anything else.
 */
export const PROBLEM_EXTENSIONS: Partial<Record<ErrorCode, Record<string, z.ZodType>>> = {
  VALIDATION_FAILED: {
    errors: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .meta({ description: '逐项的校验错误（不含提交的值）' }),
  },
  TOO_MANY_ATTEMPTS: {
    retryAfterSeconds: z.number().int().min(0).optional().meta({ description: '多少秒后可再试（同 Retry-After）' }),
    challengeRequired: z.literal(true).optional().meta({ description: '须先完成人机验证（ALTCHA 工作量证明）' }),
    challenge: z
      .looseObject({
        parameters: z.looseObject({ algorithm: z.string(), nonce: z.string(), salt: z.string(), cost: z.number(), keyLength: z.number() }),
        signature: z.string().optional(),
      })
      .optional()
      .meta({ description: 'ALTCHA 挑战：解出后随下一次请求提交' }),
  },
  ALREADY_REGISTERED: { passwordResetPath: z.string().optional().meta({ description: '忘记密码页面（同源路径）' }) },
  NOTICE_NOT_ACCEPTED: { noticeVersion: z.string().meta({ description: '须同意的服务须知版本' }) },
  NOTICE_VERSION_OUTDATED: { currentVersion: z.string().meta({ description: '当前服务须知版本' }) },
  QUOTA_EXCEEDED: {
    nextAvailableAt: isoTime.meta({ description: '下次可申请时间' }),
    quota: Quota,
  },
  METHOD_NOT_ALLOWED: { allow: z.array(z.string()).meta({ description: '该路径支持的请求方法（同 Allow 响应头）' }) },
};
