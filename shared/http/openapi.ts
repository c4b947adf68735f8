import { z } from 'zod';
import { ERRORS, PROBLEM_EXTENSIONS, STATUS_HEADERS, type ErrorCode } from '../resources/problems';
import { ROUTE, type ResponseDecl, type RouteDecl } from '../resources/routes';
import { routeProblemCodes } from './route-handler';

/**
 * OpenAPI 3.1 from the route table and the very zod schemas that validate requests (and type the handlers' replies),
 * so it cannot drift: every operation lists its success responses with their schemas and content types, and one
 * response per error status with the problem codes it can carry (shared/resources/problems.ts maps code → status).
 * Committed as docs/openapi.json (a test keeps the two equal) and rendered to docs/api-reference.html.
 */
export interface OpenApiDocument {
  openapi: string;
  [member: string]: unknown;
}

type Json = Record<string, unknown>;

const PROBLEM_JSON = 'application/problem+json';
/** Headers some problems carry, by code (those every problem of a status carries: STATUS_HEADERS). */
const PROBLEM_HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  TOO_MANY_ATTEMPTS: { 'retry-after': '锁定剩余秒数' },
  RATE_LIMITED: { 'retry-after': '可再次请求前的秒数' },
  SERVICE_UNAVAILABLE: { 'retry-after': '建议的重试等待秒数' },
  METHOD_NOT_ALLOWED: { allow: '该路径支持的请求方法' },
};

const TAGS = [
  { name: '账号', description: '注册、登录、密码与服务须知' },
  { name: '证书', description: '持证人本人的证书与证书电子文件' },
  { name: '加注', description: '申请加注、加注记录与加注件下载' },
  { name: '查验', description: '公开查验（无需登录）' },
  { name: '服务', description: '健康检查与本文档' },
];

function tagOf(path: string): string {
  if (/^\/v1\/certificates\/\{certId\}\/annotations/.test(path)) return '加注';
  if (path.startsWith('/v1/certificates')) return '证书';
  if (path.startsWith('/v1/verify')) return '查验';
  if (/^\/v1\/(accounts|sessions|notice|verification-codes)/.test(path)) return '账号';
  return '服务';
}

class SchemaConverter {
  readonly components: Record<string, Json> = {};

  /** A zod schema as JSON Schema; named schemas (`.meta({ id })`) become components, referenced where used. */
  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
    const defs = (converted.$defs ?? {}) as Record<string, Json>;
    delete converted.$defs;
    delete converted.$schema;
    for (const [id, def] of Object.entries(defs)) this.components[id] = relink(def) as Json;
    return relink(converted) as Json;
  }
}

function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [
        key,
        key === '$ref' && typeof member === 'string' ? member.replace('#/$defs/', '#/components/schemas/') : relink(member),
      ]),
    );
  }
  return value;
}

const headerObject = (description: string, required = false): Json => ({ description, required, schema: { type: 'string' } });

/** The problem+json body of one status of one route: the base members, its codes, and their extension members. */
function problemSchema(converter: SchemaConverter, status: number, codes: ErrorCode[]): Json {
  const properties: Json = {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer', const: status },
    detail: { type: 'string' },
    code: { type: 'string', enum: codes },
  };
  for (const code of codes) {
    for (const [name, schema] of Object.entries(PROBLEM_EXTENSIONS[code] ?? {})) properties[name] = converter.convert(schema, 'output');
  }
  return { type: 'object', required: ['type', 'title', 'status', 'detail', 'code'], properties, additionalProperties: false };
}

function problemResponse(converter: SchemaConverter, status: number, codes: ErrorCode[]): Json {
  const headers: Json = {};
  for (const [name, value] of Object.entries(STATUS_HEADERS[status] ?? {})) headers[name] = headerObject(value, true);
  for (const code of codes) {
    for (const [name, description] of Object.entries(PROBLEM_HEADERS[code] ?? {})) {
      // Required only when every code of this status sends it.
      headers[name] = headerObject(description, codes.every((c) => PROBLEM_HEADERS[c]?.[name] !== undefined));
    }
  }
  return {
    description: codes.map((code) => `${code}：${ERRORS[code].title}`).join('；'),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { [PROBLEM_JSON]: { schema: problemSchema(converter, status, codes) } },
  };
}

function successResponse(converter: SchemaConverter, response: ResponseDecl): Json {
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, header]) => [name, headerObject(header.description, header.required ?? false)]),
  );
  return {
    description: response.description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(response.raw
      ? { content: { [response.contentType!]: { schema: { type: 'string', ...(response.raw === 'binary' ? { contentMediaType: response.contentType } : {}) } } } }
      : {}),
    ...(response.body
      ? { content: { [response.contentType ?? 'application/json']: { schema: converter.convert(response.body, 'output') } } }
      : {}),
  };
}

function parametersOf(converter: SchemaConverter, route: RouteDecl): Json[] {
  const parameters: Json[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query], ['header', route.headers]] as const) {
    if (!schema) continue;
    const object = converter.convert(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property;
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (object.required?.includes(name) ?? false),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  return parameters;
}

function operation(converter: SchemaConverter, name: string, route: RouteDecl): Json {
  const responses: Json = {};
  for (const [status, response] of Object.entries(route.responses ?? {})) responses[status] = successResponse(converter, response);
  if (route.browserRedirect) {
    responses['302'] = {
      description: '浏览器（Accept 优先 text/html）被重定向到门户的对应页面（同源路径；Accept-Language 优先英文时为英文页面）',
      headers: { location: headerObject('门户页面的同源路径', true), vary: headerObject('accept, accept-language', true) },
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeProblemCodes(route)) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) responses[String(status)] = problemResponse(converter, status, codes);

  const op: Json = {
    operationId: name,
    summary: route.summary,
    tags: [tagOf(route.path)],
    security: route.public ? [] : [{ bearer: [] }],
    ...(route.notice ? { description: '须已同意当前版本的服务须知（R8），否则 403 NOTICE_NOT_ACCEPTED。' } : {}),
  };
  const parameters = parametersOf(converter, route);
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: converter.convert(route.body, 'input') } } };
  } else if (route.binaryBody) {
    op.requestBody = { required: true, content: { [route.binaryBody]: { schema: { type: 'string', format: 'binary' } } } };
  }
  op.responses = responses;
  return op;
}

export function openApiDocument(routes: Readonly<Record<string, RouteDecl>> = ROUTE): OpenApiDocument {
  const converter = new SchemaConverter();
  const paths: Record<string, Json> = {};
  for (const [name, route] of Object.entries(routes)) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(converter, name, route);
  }
  const responses = {
    NotFound: problemResponse(converter, 404, ['NOT_FOUND']),
    MethodNotAllowed: problemResponse(converter, 405, ['METHOD_NOT_ALLOWED']),
  };
  const schemas = Object.fromEntries(Object.entries(converter.components).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'ecert',
      version: '1',
      summary: '专业技术人员职业资格电子证书：加注、下载与查验',
      description: [
        '错误均为 RFC 9457 `application/problem+json`，带稳定的 `code`（每个操作列出它可能返回的状态与代码）。',
        '路由表之外的路径返回 404 `NOT_FOUND`（components.responses.NotFound）；已知路径使用其他请求方法时返回 405 ',
        '`METHOD_NOT_ALLOWED` 并带 `Allow` 响应头（components.responses.MethodNotAllowed）。',
        '时间均为 ISO 8601 UTC，按北京时间显示。',
      ].join(''),
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: '与门户同源（本地 npm start 或 CloudFront/API Gateway）' }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'POST /v1/sessions 取得' } },
      schemas,
      responses,
    },
  };
}
