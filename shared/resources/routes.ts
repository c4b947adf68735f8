import type { z } from 'zod';
import { FUNCTIONS, type FunctionKey } from './functions';
import { portalVerifyPath } from './portal';
import type { ErrorCode } from './problems';
import {
  Account,
  Annotation,
  AnnotationList,
  Certificate,
  CertificateList,
  CodeRequested,
  DocumentVerification,
  DownloadLink,
  Health,
  Issuer,
  IssuerJwks,
  Notice,
  OpenApiDocumentBody,
  Registered,
  Session,
  Verification,
} from './responses';
import {
  AnnotationParams,
  AnnotationRequestBody,
  CertificateParams,
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
  StatusListParams,
  VerificationCodeParams,
  VerifyHolderBody,
} from './schemas';

/**
 * The HTTP route table. API Gateway routes, the local HTTP adapter, request validation (routeHandler,
 * shared/http/route-handler.ts) and the OpenAPI document are all generated from it; path templates use API Gateway
 * syntax (`{certId}`). Adding a route is one entry here with its schemas, and one handler built with routeHandler.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export type SuccessStatus = 200 | 201 | 202 | 204;

export interface HeaderDecl {
  description: string;
  /** The handler must send it: routeHandler's reply type demands it. */
  required?: boolean;
}

export interface ResponseDecl {
  description: string;
  /** The JSON body; none for a response without one (204) or with a `raw` one. */
  body?: z.ZodType;
  /** Defaults to application/json when there is a body; a `raw` response names its own. */
  contentType?: string;
  /** The body is sent as the handler gives it, not as JSON: bytes (`binary`, a Buffer) or a string (`text`). */
  raw?: 'binary' | 'text';
  /** Response headers the handler sets (lower-case names). */
  headers?: Readonly<Record<string, HeaderDecl>>;
}

export interface RouteDecl {
  method: HttpMethod;
  path: string;
  fn: FunctionKey;
  /** Public routes need no token and are throttled per client (WAF in the cloud, token bucket locally). */
  public: boolean;
  /** R8: the holder must have accepted the current service notice (403 NOTICE_NOT_ACCEPTED otherwise). */
  notice?: boolean;
  summary: string;
  /** Path parameters; a value that fails its schema names nothing that exists: 404 NOT_FOUND. */
  params?: z.ZodType;
  /** The schemas that validate the request are also the OpenAPI document's schemas. */
  body?: z.ZodType;
  query?: z.ZodType;
  /** Media type of a binary request body (the OpenAPI document lists it instead of a JSON schema). */
  binaryBody?: string;
  /** Request headers the handler reads (lower-case names, as payload v2 delivers them). */
  headers?: z.ZodType;
  /** Every success response, by status (a unit test holds every product route to at least one). */
  responses?: Readonly<Partial<Record<SuccessStatus, ResponseDecl>>>;
  /**
   * Problem codes the use case answers, besides those routeHandler derives from this declaration (401/403 for
   * authentication, 415/400/413/422 for a body, 422 for query and headers, 404 for path parameters, 429 for public
   * routes): shared/http/route-handler.ts `routeProblemCodes`.
   */
  problems?: readonly ErrorCode[];
  /**
   * A browser (Accept prefers text/html) is redirected (302) to this same-origin page instead, before any validation:
   * the page shows the answer to a person, in the language the browser ranks first (`lang`: Accept-Language, English
   * or Chinese). API clients get the JSON (varying on Accept); the redirect varies on Accept and Accept-Language.
   */
  browserRedirect?: (request: { params: Readonly<Record<string, string | undefined>>; lang: 'en' | 'zh' }) => string;
}

const NO_CONTENT = { 204: { description: '成功，无响应内容' } } as const;
/** Published trust material: shared caches may keep it a few minutes. */
const CACHED = { 'cache-control': { description: 'public, max-age=…', required: true } } as const;

export const ROUTE = {
  health: {
    method: 'GET',
    path: '/v1/health',
    fn: 'health',
    public: true,
    summary: '健康检查',
    responses: { 200: { description: '服务正常', body: Health } },
  },
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    fn: 'openapi',
    public: true,
    summary: 'OpenAPI 3.1 文档',
    responses: { 200: { description: '本文档', body: OpenApiDocumentBody } },
  },
  verificationCodesCreate: {
    method: 'POST',
    path: '/v1/verification-codes',
    fn: 'verificationCodesCreate',
    public: true,
    summary: '获取验证码（注册、重置密码、更换联系方式）',
    body: VerificationCodeBody,
    responses: { 202: { description: '已受理（对已注册、未注册和不存在的证件完全相同）', body: CodeRequested } },
    problems: ['TOO_MANY_ATTEMPTS'],
  },
  accountsCreate: {
    method: 'POST',
    path: '/v1/accounts',
    fn: 'accountsCreate',
    public: true,
    summary: '注册持证人账号（凭验证码；可重新注册以更正姓名或取回被他人注册的证件）',
    body: RegisterBody,
    responses: {
      201: { description: '已注册（或该证件的账号已被替换）', body: Registered, headers: { location: { description: '账号的路径', required: true } } },
    },
    // A change racing another change of the account is decided again, never 401 (no session here): 503 only when
    // it keeps losing (shared/services/holder-accounts.ts).
    problems: ['ALREADY_REGISTERED', 'CODE_INVALID', 'TOO_MANY_ATTEMPTS', 'SERVICE_UNAVAILABLE'],
  },
  passwordReset: {
    method: 'POST',
    path: '/v1/accounts/password-reset',
    fn: 'passwordReset',
    public: true,
    summary: '忘记密码：凭验证码重置（结束所有已登录会话）',
    body: PasswordResetBody,
    responses: NO_CONTENT,
    problems: ['CODE_INVALID', 'TOO_MANY_ATTEMPTS', 'SERVICE_UNAVAILABLE'],
  },
  accountGet: {
    method: 'GET',
    path: '/v1/accounts/me',
    fn: 'accountGet',
    public: false,
    summary: '我的账号',
    responses: { 200: { description: '本人账号（联系方式已遮盖）', body: Account } },
  },
  accountName: {
    method: 'PUT',
    path: '/v1/accounts/me/name',
    fn: 'accountName',
    public: false,
    summary: '更正姓名（须当前密码）',
    body: ChangeNameBody,
    responses: NO_CONTENT,
    problems: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS'],
  },
  accountContact: {
    method: 'PUT',
    path: '/v1/accounts/me/contact',
    fn: 'accountContact',
    public: false,
    summary: '更换联系方式（凭发往新联系方式的验证码）',
    body: ChangeContactBody,
    responses: NO_CONTENT,
    problems: ['CODE_INVALID', 'TOO_MANY_ATTEMPTS'],
  },
  sessionsCreate: {
    method: 'POST',
    path: '/v1/sessions',
    fn: 'sessionsCreate',
    public: true,
    summary: '登录',
    body: LoginBody,
    responses: { 200: { description: '已登录（令牌1小时有效）', body: Session } },
    problems: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS'],
  },
  passwordChange: {
    method: 'PUT',
    path: '/v1/accounts/me/password',
    fn: 'passwordChange',
    public: false,
    summary: '修改密码（结束所有已登录会话）',
    body: ChangePasswordBody,
    responses: NO_CONTENT,
    problems: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS'],
  },
  noticeGet: {
    method: 'GET',
    path: '/v1/notice',
    fn: 'noticeGet',
    public: true,
    summary: '服务须知',
    responses: { 200: { description: '当前版本的服务须知', body: Notice } },
  },
  noticeAccept: {
    method: 'POST',
    path: '/v1/notice/acceptance',
    fn: 'noticeAccept',
    public: false,
    summary: '同意服务须知',
    body: NoticeAcceptanceBody,
    responses: NO_CONTENT,
    problems: ['NOTICE_VERSION_OUTDATED'],
  },
  certificatesList: {
    method: 'GET',
    path: '/v1/certificates',
    fn: 'certificatesList',
    public: false,
    notice: true,
    summary: '我的证书',
    responses: { 200: { description: '本人名下的证书（为空时附可能原因）', body: CertificateList } },
  },
  certificateGet: {
    method: 'GET',
    path: '/v1/certificates/{certId}',
    fn: 'certificateGet',
    public: false,
    notice: true,
    summary: '证书信息',
    params: CertificateParams,
    responses: { 200: { description: '证书信息', body: Certificate } },
  },
  certificateFile: {
    method: 'GET',
    path: '/v1/certificates/{certId}/file',
    fn: 'certificateFile',
    public: false,
    notice: true,
    summary: '证书电子文件下载链接（2021年12月17日前的证书）',
    params: CertificateParams,
    query: DispositionQuery,
    responses: { 200: { description: '证书电子文件的预签名链接（至多300秒）', body: DownloadLink } },
    problems: ['NOT_FOUND', 'CERTIFICATE_REVOKED'],
  },
  annotationsCreate: {
    method: 'POST',
    path: '/v1/certificates/{certId}/annotations',
    fn: 'annotationsCreate',
    public: false,
    notice: true,
    summary: '申请加注（异步生成，202 证书生成中）',
    params: CertificateParams,
    body: AnnotationRequestBody,
    headers: IdempotencyKeyHeaders,
    responses: {
      202: {
        description: '已受理，证书生成中（PENDING）；同一 Idempotency-Key 与请求内容的重试得到同一加注',
        body: Annotation,
        headers: { location: { description: '该加注的地址（GET 加注详情）', required: true } },
      },
    },
    problems: ['CERTIFICATE_REVOKED', 'ANNOTATION_NOT_REQUIRED', 'QUOTA_EXCEEDED', 'IDEMPOTENCY_KEY_REUSED', 'SERVICE_UNAVAILABLE'],
  },
  annotationsList: {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations',
    fn: 'annotationsList',
    public: false,
    notice: true,
    summary: '加注记录与加注次数',
    params: CertificateParams,
    responses: { 200: { description: '加注记录（新的在前，状态按当前时间得出）与加注次数', body: AnnotationList } },
  },
  annotationGet: {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations/{annotationId}',
    fn: 'annotationGet',
    public: false,
    notice: true,
    summary: '加注详情',
    params: AnnotationParams,
    responses: { 200: { description: '加注详情', body: Annotation } },
  },
  annotationDownload: {
    method: 'GET',
    path: '/v1/certificates/{certId}/annotations/{annotationId}/download',
    fn: 'annotationDownload',
    public: false,
    notice: true,
    summary: '加注件下载链接（至多300秒，不超过加注有效期）',
    params: AnnotationParams,
    query: DispositionQuery,
    responses: { 200: { description: '加注件的预签名链接', body: DownloadLink } },
    problems: ['ANNOTATION_PENDING', 'ANNOTATION_EXPIRED', 'ANNOTATION_FAILED', 'CERTIFICATE_REVOKED'],
  },
  verifyCode: {
    method: 'GET',
    path: '/v1/verify/{verificationCode}',
    fn: 'verifyCode',
    public: true,
    summary: '查验：按查验码（二维码）',
    params: VerificationCodeParams,
    responses: {
      200: { description: '查验结果', body: Verification, headers: { vary: { description: 'accept', required: true } } },
    },
    // A verifier abroad lands on the English page, a Chinese browser on the Chinese one.
    browserRedirect: ({ params, lang }) => `${portalVerifyPath(params.verificationCode ?? '')}${lang === 'en' ? '&lang=en' : ''}`,
  },
  verifyHolder: {
    method: 'POST',
    path: '/v1/verify',
    fn: 'verifyHolder',
    public: true,
    summary: '查验：按管理号、姓名和证件号码',
    body: VerifyHolderBody,
    responses: { 200: { description: '查验结果', body: Verification } },
    problems: ['NOT_FOUND', 'TOO_MANY_ATTEMPTS'],
  },
  verifyDocument: {
    method: 'POST',
    path: '/v1/verify/document',
    fn: 'verifyDocument',
    public: true,
    summary: '查验：上传加注电子证书 PDF，检查是否被修改及电子签章',
    binaryBody: 'application/pdf',
    responses: { 200: { description: '查验结果与文件是否完好', body: DocumentVerification } },
    problems: ['NOT_AN_ECERT', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
  },
  issuer: {
    method: 'GET',
    path: '/v1/issuer',
    fn: 'trustMaterial',
    public: true,
    summary: '电子印章签发者（凭证 issuer）',
    responses: { 200: { description: '签发者', body: Issuer, headers: CACHED } },
  },
  issuerJwks: {
    method: 'GET',
    path: '/v1/issuer/jwks.json',
    fn: 'trustMaterial',
    public: true,
    summary: '签发者公钥（JWKS，含证书链）',
    responses: { 200: { description: '签发CA的公钥及证书链', body: IssuerJwks, headers: CACHED } },
  },
  caCertificate: {
    method: 'GET',
    path: '/v1/pki/ca.crt',
    fn: 'trustMaterial',
    public: true,
    summary: '电子印章签发CA证书（DER）',
    responses: { 200: { description: 'CA证书（DER）', raw: 'binary', contentType: 'application/pkix-cert', headers: CACHED } },
  },
  crl: {
    method: 'GET',
    path: '/v1/pki/crl',
    fn: 'trustMaterial',
    public: true,
    summary: '电子印章签发CA证书撤销列表（DER）',
    responses: { 200: { description: '证书撤销列表（DER）', raw: 'binary', contentType: 'application/pkix-crl', headers: CACHED } },
    problems: ['NOT_FOUND'],
  },
  statusList: {
    method: 'GET',
    path: '/v1/credentials/status/{listId}',
    fn: 'trustMaterial',
    public: true,
    summary: '可验证凭证状态列表（Bitstring Status List，vc+jwt）',
    params: StatusListParams,
    responses: { 200: { description: '状态列表凭证（VC-JOSE）', raw: 'text', contentType: 'application/vc+jwt', headers: CACHED } },
  },
} as const satisfies Record<string, RouteDecl>;

export type RouteName = keyof typeof ROUTE;

export const ROUTES: readonly RouteDecl[] = Object.values(ROUTE);

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
