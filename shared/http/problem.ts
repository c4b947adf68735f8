/**
 * Stable error codes of the HTTP contract (API.md) with their status and Chinese title. Handlers throw
 * `problem(code, detail)`; the error middleware turns it into RFC 9457 application/problem+json.
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

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extra: string]: unknown;
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: number;
  /** middy and API Gateway tooling look for `statusCode` on errors. */
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
    this.status = ERRORS[code].status;
    this.statusCode = this.status;
  }

  toBody(): ProblemBody {
    return {
      type: `https://ecert.example/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: ERRORS[this.code].title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...this.extra,
    };
  }
}

export const problem = (
  code: ErrorCode,
  detail: string = ERRORS[code].title,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
): HttpProblem => new HttpProblem(code, detail, extra, headers);
