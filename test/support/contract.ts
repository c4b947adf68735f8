import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormatsPlugin from 'ajv-formats';
import { openApiDocument } from '../../shared/http/openapi';
import { isApiPath } from '../../shared/resources/portal';
import { compileRoutes, matchRoute, ROUTES } from '../../shared/resources/routes';

/**
 * Checks a response the tests received against the OpenAPI document the service serves (shared/http/openapi.ts, also
 * docs/openapi.json): the status must be declared for the operation, the content type must be the declared one, the
 * required headers must be there and the body must validate (ajv, JSON Schema 2020-12; the schemas forbid undeclared
 * members). Paths outside the route table answer as components.responses.NotFound, known paths with another method
 * as MethodNotAllowed. So the document cannot lie: a mismatch fails the test that saw it.
 */
export interface ReceivedResponse {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Json = Record<string, unknown>;

// ajv-formats ships CommonJS with the plugin on `default`.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (
  ajv: Ajv2020,
) => void;

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class ContractChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes = compileRoutes(ROUTES);

  constructor(private readonly doc: Json = openApiDocument() as Json) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi');
  }

  /** What the document says this response should be: the operation's declared response, located by JSON pointer. */
  private declared(method: string, path: string, status: number): { where: string; response?: Json } {
    const match = matchRoute(this.routes, method, path);
    if (match.kind === 'found') {
      const where = pointer('paths', match.route.path, match.route.method.toLowerCase(), 'responses', String(status));
      const op = ((this.doc.paths as Json)[match.route.path] as Json)[match.route.method.toLowerCase()] as Json;
      return { where, response: (op.responses as Json)[String(status)] as Json | undefined };
    }
    const name = match.kind === 'method-not-allowed' ? 'MethodNotAllowed' : 'NotFound';
    const response = ((this.doc.components as Json).responses as Json)[name] as Json;
    const expected = match.kind === 'method-not-allowed' ? 405 : 404;
    return { where: pointer('components', 'responses', name), response: status === expected ? response : undefined };
  }

  private validator(where: string): ValidateFunction {
    let validate = this.validators.get(where);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${where}` });
      this.validators.set(where, validate);
    }
    return validate;
  }

  /** The ways a response differs from the document; empty when it matches. Responses off the API are not checked. */
  check(received: ReceivedResponse): string[] {
    const path = received.path.split('?')[0]!;
    if (!isApiPath(path)) return [];
    const method = received.method.toUpperCase();
    const { where, response } = this.declared(method, path, received.status);
    const at = `${method} ${path} → ${received.status}`;
    if (!response) return [`${at}: status not declared in the OpenAPI document`];
    const problems: string[] = [];
    const header = (name: string) => {
      const value = received.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    for (const [name, declaration] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      if (declaration.required && header(name) === undefined) problems.push(`${at}: required header ${name} missing`);
    }
    const content = (response.content ?? {}) as Record<string, Json>;
    const mediaTypes = Object.keys(content);
    if (method === 'HEAD') return problems;
    if (mediaTypes.length === 0) {
      if (received.body.length > 0) problems.push(`${at}: a body where the document declares none`);
      return problems;
    }
    const sent = (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const mediaType = mediaTypes.find((type) => type === sent);
    if (!mediaType) return [...problems, `${at}: content-type "${sent}", declared ${mediaTypes.join(', ')}`];
    let body: unknown = received.body;
    // A raw body (a DER certificate or CRL, a vc+jwt) is declared as a string: the text itself is what is validated.
    const raw = ((content[mediaType] as Json).schema as Json | undefined)?.type === 'string';
    if (!raw) {
      try {
        body = JSON.parse(received.body);
      } catch {
        return [...problems, `${at}: body is not JSON`];
      }
    }
    const validate = this.validator(`${where}/${pointer('content', mediaType, 'schema')}`);
    if (!validate(body)) {
      for (const error of validate.errors ?? []) problems.push(`${at}: body${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
    }
    return problems;
  }

  /** Throws with every mismatch: for the clients the integration tests use. */
  assert(received: ReceivedResponse): void {
    const problems = this.check(received);
    if (problems.length > 0) throw new ContractViolation(problems);
  }
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
  constructor(readonly problems: string[]) {
    super(`the response does not match the OpenAPI document:\n  ${problems.join('\n  ')}`);
  }
}

let shared: ContractChecker | undefined;
/** One checker per test file (compiling the document's schemas once). */
export const contract = (): ContractChecker => (shared ??= new ContractChecker());

/** fetch, with every response checked against the document before the caller sees it. */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  // A followed redirect ends elsewhere (the portal's page): what is checked is the last answer, at its own URL.
  const { pathname, search } = new URL(response.url || url);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  contract().assert({
    method: response.redirected ? 'GET' : (init.method ?? 'GET'),
    path: `${pathname}${search}`,
    status: response.status,
    headers,
    body: await response.clone().text(),
  });
  return response;
}
