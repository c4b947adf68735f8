import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openApiDocument } from '../../shared/http/openapi';
import { REPO_ROOT } from '../../shared/repo-root';

/**
 * The repository's own API contract: docs/openapi.json (exactly what GET /openapi.json serves) and docs/api.md, a
 * reference rendered from it for people. `npm run docs:api` writes both; `npm run docs:api -- --check` (and
 * test/unit/openapi.test.ts) fails when the committed files differ from what the code generates.
 */
export const OPENAPI_FILE = join(REPO_ROOT, 'docs/openapi.json');
export const REFERENCE_FILE = join(REPO_ROOT, 'docs/api.md');

type Json = Record<string, unknown>;

export const openApiText = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

const cell = (text: unknown) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const anchor = (name: string) => `[${name}](#${name.toLowerCase()})`;

/** A short type for a schema: `string`, `Annotation`, `Annotation[]`, `"A" \| "B"`, `string \| null`. */
function typeOf(schema: Json | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') return anchor(refName(schema.$ref));
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `${typeOf(schema.items as Json)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : String(schema.type ?? 'any');
  return schema.format ? `${type} (${String(schema.format)})` : type;
}

function constraints(schema: Json): string {
  const parts: string[] = [];
  if (schema.minLength !== undefined || schema.maxLength !== undefined) parts.push(`${schema.minLength ?? 0}–${schema.maxLength ?? '∞'} 字符`);
  if (schema.minimum !== undefined && schema.maximum !== undefined && Math.abs(Number(schema.maximum)) < 1e15) {
    parts.push(`${String(schema.minimum)}–${String(schema.maximum)}`);
  }
  if (typeof schema.pattern === 'string') parts.push(`\`${schema.pattern}\``);
  return parts.join('；');
}

function fieldTable(schema: Json): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  if (Object.keys(properties).length === 0) return [`类型：${typeOf(schema)}`, ''];
  return [
    '| 字段 | 类型 | 必填 | 约束 | 说明 |',
    '|---|---|---|---|---|',
    ...Object.entries(properties).map(
      ([name, property]) =>
        `| \`${name}\` | ${typeOf(property)} | ${required.has(name) ? '是' : ''} | ${cell(constraints(property))} | ${cell(property.description)} |`,
    ),
    '',
  ];
}

function responseRows(responses: Record<string, Json>): string[] {
  const rows = ['| 状态 | 内容 | 说明 |', '|---|---|---|'];
  for (const [status, response] of Object.entries(responses)) {
    const content = (response.content ?? {}) as Record<string, { schema?: Json }>;
    const [mediaType, media] = Object.entries(content)[0] ?? [];
    let body = mediaType ? `\`${mediaType}\`` : '–';
    const schema = media?.schema;
    if (schema && mediaType !== 'application/problem+json') body += ` ${typeOf(schema)}`;
    if (schema && mediaType === 'application/problem+json') {
      const codes = (((schema.properties ?? {}) as Json).code as Json | undefined)?.enum as string[] | undefined;
      body += ` ${(codes ?? []).map((c) => `\`${c}\``).join('、')}`;
    }
    const headers = Object.keys((response.headers ?? {}) as Json);
    const description = `${String(response.description ?? '')}${headers.length ? `（响应头：${headers.join('、')}）` : ''}`;
    rows.push(`| ${status} | ${body} | ${cell(description)} |`);
  }
  return [...rows, ''];
}

/** docs/api.md: every operation by tag, then every named schema. */
export function renderReference(doc: Json): string {
  const info = doc.info as Json;
  const lines: string[] = [
    '# ecert HTTP API reference',
    '',
    '<!-- Generated from docs/openapi.json by `npm run docs:api`; do not edit by hand. -->',
    '',
    `${String(info.summary)}. OpenAPI ${String(doc.openapi)}: [openapi.json](openapi.json) (also served at \`GET /openapi.json\`).`,
    '',
    String(info.description),
    '',
    '认证：需要登录的操作带 `Authorization: Bearer <token>`（`POST /v1/sessions` 取得）。',
    '',
  ];
  const paths = doc.paths as Record<string, Record<string, Json>>;
  for (const tag of doc.tags as Array<{ name: string; description: string }>) {
    lines.push(`## ${tag.name}`, '', tag.description, '');
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!(op.tags as string[]).includes(tag.name)) continue;
        lines.push(`### \`${method.toUpperCase()} ${path}\` — ${String(op.summary)}`, '');
        const secured = (op.security as unknown[]).length > 0;
        lines.push(`\`${String(op.operationId)}\` · ${secured ? '需要登录' : '公开（按客户端限流）'}${op.description ? ` · ${String(op.description)}` : ''}`, '');
        const parameters = (op.parameters ?? []) as Json[];
        if (parameters.length > 0) {
          lines.push('| 参数 | 位置 | 类型 | 必填 | 约束 | 说明 |', '|---|---|---|---|---|---|');
          for (const p of parameters) {
            const schema = p.schema as Json;
            lines.push(`| \`${String(p.name)}\` | ${String(p.in)} | ${typeOf(schema)} | ${p.required ? '是' : ''} | ${cell(constraints(schema))} | ${cell(p.description)} |`);
          }
          lines.push('');
        }
        const requestBody = op.requestBody as Json | undefined;
        if (requestBody) {
          const [mediaType, media] = Object.entries(requestBody.content as Record<string, { schema: Json }>)[0]!;
          lines.push(`请求体 \`${mediaType}\`：`, '', ...fieldTable(media.schema));
        }
        lines.push(...responseRows(op.responses as Record<string, Json>));
      }
    }
  }
  lines.push('## Schemas', '');
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  for (const [name, schema] of Object.entries(schemas)) {
    lines.push(`### ${name}`, '', ...(schema.description ? [String(schema.description), ''] : []), ...fieldTable(schema));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export const referenceText = (): string => renderReference(JSON.parse(openApiText()) as Json);

async function main(): Promise<void> {
  const files: Array<[string, string]> = [
    [OPENAPI_FILE, openApiText()],
    [REFERENCE_FILE, referenceText()],
  ];
  if (process.argv.includes('--check')) {
    const stale: string[] = [];
    for (const [file, text] of files) if ((await readFile(file, 'utf8').catch(() => '')) !== text) stale.push(file);
    if (stale.length > 0) {
      console.error(`out of date (run npm run docs:api): ${stale.join(', ')}`);
      process.exit(1);
    }
    return;
  }
  for (const [file, text] of files) await writeFile(file, text);
  console.log(`wrote ${files.map(([file]) => file).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
