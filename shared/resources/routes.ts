import type { z } from 'zod';
import { FUNCTIONS, type FunctionKey } from './functions';

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
}

export const ROUTES: readonly RouteDecl[] = [
  { method: 'GET', path: '/v1/health', fn: 'health', public: true, summary: '健康检查' },
  { method: 'GET', path: '/openapi.json', fn: 'openapi', public: true, summary: 'OpenAPI 3.1 文档' },
];

export interface CompiledRoute extends RouteDecl {
  routeKey: string;
  pattern: RegExp;
  paramNames: string[];
}

export function compileRoutes(routes: readonly RouteDecl[] = ROUTES): CompiledRoute[] {
  return routes.map((route) => {
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
