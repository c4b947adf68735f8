import { z } from 'zod';
import { ROUTES } from '../resources/routes';
import { ERRORS } from './problem';

/** OpenAPI 3.1 from the route table and the very zod schemas that validate requests, so it cannot drift. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string) => (c ? c.toUpperCase() : ''))}`,
      security: route.public ? [] : [{ bearer: [] }],
      parameters: [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      responses: {
        default: {
          description: 'RFC 9457 problem',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    };
    if (route.binaryBody) {
      operation.requestBody = {
        required: true,
        content: { [route.binaryBody]: { schema: { type: 'string', format: 'binary' } } },
      };
    }
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) } },
      };
    }
    for (const [where, parameters] of [['query', route.query], ['header', route.headers]] as const) {
      if (!parameters) continue;
      const schema = z.toJSONSchema(parameters, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        (operation.parameters as unknown[]).push({
          name,
          in: where,
          required: schema.required?.includes(name) ?? false,
          schema: property,
        });
      }
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'ecert', version: '1', description: '专业技术人员职业资格电子证书：加注、下载与查验' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERRORS) },
          },
        },
      },
    },
  };
}
