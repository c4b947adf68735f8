import type { z } from 'zod';
import { FUNCTIONS, type FunctionKey } from './functions';
import {
  AnnotationRequestBody,
  ChangeContactBody,
  ChangeNameBody,
  ChangePasswordBody,
  PasswordResetBody,
  VerificationCodeBody,
  DispositionQuery,
  IdempotencyKeyHeaders,
  LoginBody,
  NoticeAcceptanceBody,
  RegisterBody,
  VerifyHolderBody,
} from './schemas';

/**
 * The HTTP route table. API Gateway routes and the local HTTP adapter are both generated from it; path templates use
 * API Gateway syntax (`{certId}`).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface RouteDecl {
  method: HttpMethod;
  path: string;
  fn: FunctionKey;
  /** Public routes are throttled per client (WAF in the cloud, token bucket locally). */
  public: boolean;
  summary: string;
  /** The schemas that validate the request are also the OpenAPI document's schemas. */
  body?: z.ZodType;
  query?: z.ZodType;
  /** Media type of a binary request body (the OpenAPI document lists it instead of a JSON schema). */
  binaryBody?: string;
  /** Request headers the handler reads (lower-case names, as payload v2 delivers them). */
  headers?: z.ZodType;
}

export const ROUTES: readonly RouteDecl[] = [
  { method: 'GET', path: '/v1/health', fn: 'health', public: true, summary: '健康检查' },
  { method: 'GET', path: '/openapi.json', fn: 'openapi', public: true, summary: 'OpenAPI 3.1 文档' },
  {
    method: 'POST',
    path: '/v1/verification-codes',
    fn: 'verificationCodesCreate',
    public: true,
    summary: '获取验证码（注册、重置密码、更换联系方式）',
    body: VerificationCodeBody,
  },
  {
    method: 'POST',
    path: '/v1/accounts',
    fn: 'accountsCreate',
    public: true,
    summary: '注册持证人账号（凭验证码；可重新注册以更正姓名或取回被他人注册的证件）',
    body: RegisterBody,
  },
  {
    method: 'POST',
    path: '/v1/accounts/password-reset',
    fn: 'passwordReset',
    public: true,
    summary: '忘记密码：凭验证码重置（结束所有已登录会话）',
    body: PasswordResetBody,
  },
  { method: 'GET', path: '/v1/accounts/me', fn: 'accountGet', public: false, summary: '我的账号' },
  { method: 'PUT', path: '/v1/accounts/me/name', fn: 'accountName', public: false, summary: '更正姓名（须当前密码）', body: ChangeNameBody },
  {
    method: 'PUT',
    path: '/v1/accounts/me/contact',
    fn: 'accountContact',
    public: false,
    summary: '更换联系方式（凭发往新联系方式的验证码）',
    body: ChangeContactBody,
  },
  { method: 'POST', path: '/v1/sessions', fn: 'sessionsCreate', public: true, summary: '登录', body: LoginBody },
  {
    method: 'PUT',
    path: '/v1/accounts/me/password',
    fn: 'passwordChange',
    public: false,
    summary: '修改密码（结束所有已登录会话）',
    body: ChangePasswordBody,
  },
  { method: 'GET', path: '/v1/notice', fn: 'noticeGet', public: true, summary: '服务须知' },
  {
    method: 'POST',
    path: '/v1/notice/acceptance',
    fn: 'noticeAccept',
    public: false,
    summary: '同意服务须知',
    body: NoticeAcceptanceBody,
  },
  { method: 'GET', path: '/v1/certificates', fn: 'certificatesList', public: false, summary: '我的证书' },
  { method: 'GET', path: '/v1/certificates/{certId}', fn: 'certificateGet', public: false, summary: '证书信息' },
  {
    method: 'GET',
    path: '/v1/certificates/{certId}/file',
    fn: 'certificateFile',
    public: false,
    summary: '证书电子文件下载链接（2021年12月17日前的证书）',
    query: DispositionQuery,
  },
  {
    method: 'POST',
    path: '/v1/certificates/{certId}/annotations',
    fn: 'annotationsCreate',
    public: false,
    summary: '申请加注（异步生成，202 证书生成中）',
    body: AnnotationRequestBody,
    headers: IdempotencyKeyHeaders,
  },
  {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations',
    fn: 'annotationsList',
    public: false,
    summary: '加注记录与加注次数',
  },
  {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations/{annotationId}',
    fn: 'annotationGet',
    public: false,
    summary: '加注详情',
  },
  {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations/{annotationId}/download',
    fn: 'annotationDownload',
    public: false,
    summary: '加注件下载链接（至多300秒，不超过加注有效期）',
    query: DispositionQuery,
  },
  { method: 'GET', path: '/v1/verify/{verificationCode}', fn: 'verifyCode', public: true, summary: '查验：按查验码（二维码）' },
  { method: 'POST', path: '/v1/verify', fn: 'verifyHolder', public: true, summary: '查验：按管理号、姓名和证件号码', body: VerifyHolderBody },
  {
    method: 'POST',
    path: '/v1/verify/document',
    fn: 'verifyDocument',
    public: true,
    summary: '查验：上传加注电子证书 PDF，检查是否被修改及电子签章',
    binaryBody: 'application/pdf',
  },
];

export interface CompiledRoute extends RouteDecl {
  routeKey: string;
  pattern: RegExp;
  paramNames: string[];
}

export function compileRoutes(routes: readonly RouteDecl[] = ROUTES): CompiledRoute[] {
  const compiled = routes.map((route) => {
    const paramNames: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        const match = /^\{(\w+)\}$/.exec(segment);
        if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        paramNames.push(match[1]!);
        return '([^/]+)';
      })
      .join('/');
    return { ...route, routeKey: `${route.method} ${route.path}`, pattern: new RegExp(`^${source}$`), paramNames };
  });
  // Like API Gateway, the most specific route wins: at the first segment where two differ, a literal beats a {param}.
  const specificity = (path: string) => path.split('/').map((segment) => (segment.startsWith('{') ? '1' : '0')).join('');
  return compiled.sort((a, b) => specificity(a.path).localeCompare(specificity(b.path)));
}

export type RouteMatch =
  | { kind: 'found'; route: CompiledRoute; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

/** Same semantics as API Gateway: path parameters are passed still percent-decoded once. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteMatch {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const pathParameters: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      const raw = match[i + 1]!;
      try {
        pathParameters[name] = decodeURIComponent(raw);
      } catch {
        pathParameters[name] = raw;
      }
    });
    return { kind: 'found', route, pathParameters };
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
}

export const functionForRoute = (route: RouteDecl) => FUNCTIONS[route.fn];
