import { ERRORS, STATUS_HEADERS, type ErrorCode } from '../resources/problems';

/**
 * RFC 9457 problems with the contract's stable codes (the table of codes, statuses and titles is
 * shared/resources/problems.ts). Handlers and use cases throw `problem(code, detail)`; the error middleware turns it
 * into application/problem+json.
 */
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
  /** The response headers: those of the status (STATUS_HEADERS, e.g. every 401's challenge), then the thrower's. */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
    this.status = ERRORS[code].status;
    this.statusCode = this.status;
    this.headers = { ...STATUS_HEADERS[this.status], ...headers };
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
