import { clearSession, getSession } from './session';

/** The API is on the portal's own origin (locally the same server; in the cloud CloudFront routes /v1/*). */
export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `请求失败（${problem.status}）`);
  }
  get status() {
    return this.problem.status;
  }
  get code() {
    return this.problem.code;
  }
}

type Hook = (problem: Problem) => void;
const hooks: { unauthenticated?: Hook; noticeRequired?: Hook } = {};

/** The router decides what a lost session (401) and an unaccepted notice (403) lead to. */
export function onSessionProblem(handlers: { unauthenticated: Hook; noticeRequired: Hook }): void {
  Object.assign(hooks, handlers);
}

export interface RequestOptions {
  method?: string;
  /** JSON body, or raw bytes sent as application/pdf. */
  json?: unknown;
  pdf?: Blob;
  headers?: Record<string, string>;
  /** Send the bearer token (default: when there is a session). */
  auth?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const session = options.auth === false ? undefined : getSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.pdf) {
    headers['content-type'] = 'application/pdf';
    body = options.pdf;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'omit',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'NETWORK', detail: '网络连接失败，请检查网络后重试' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.ok) return data as T;
  const problem: Problem = {
    status: response.status,
    code: 'UNKNOWN',
    ...(data && typeof data === 'object' ? (data as Partial<Problem>) : {}),
  };
  if (problem.status === 401 && problem.code === 'UNAUTHENTICATED' && session) {
    clearSession();
    hooks.unauthenticated?.(problem);
  } else if (problem.status === 403 && problem.code === 'NOTICE_NOT_ACCEPTED') {
    hooks.noticeRequired?.(problem);
  }
  throw new ApiError(problem);
}

/** Field errors of a 422 VALIDATION_FAILED answer, keyed by body field. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.problem.errors) return {};
  return Object.fromEntries(error.problem.errors.map((e) => [e.path, e.message]));
}

export const errorText = (error: unknown): string =>
  error instanceof ApiError ? error.message : '出现了意外错误，请稍后重试';
