import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The subset of JSON Schema docs/events.md uses; a keyword outside it fails the check rather than pass unread. */
export interface JsonSchema {
  $schema?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: 'date-time';
  minimum?: number;
  maximum?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
}

const KNOWN_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'enum',
  'const',
  'format',
  'minimum',
  'maximum',
  'required',
  'properties',
  'additionalProperties',
]);

const DOC = path.resolve(__dirname, '..', '..', 'docs', 'events.md');

/** The JSON Schema of each detail-type, from docs/events.md (a `### <detail-type>` heading, then a json block). */
export function lockEventSchemas(markdown = readFileSync(DOC, 'utf8')): Map<string, JsonSchema> {
  const schemas = new Map<string, JsonSchema>();
  for (const match of markdown.matchAll(/^### (.+)\n[\s\S]*?```json\n([\s\S]*?)\n```/gm)) {
    schemas.set(match[1]!.trim(), JSON.parse(match[2]!) as JsonSchema);
  }
  return schemas;
}

/**
 * What in `value` does not fit `schema`, one line each (empty: it fits). Strict for the documentation's sake: a
 * property the schema does not name is reported too (the docs must list every field the reaper sends, though
 * subscribers are told to accept unknown ones).
 */
export function schemaProblems(schema: JsonSchema | undefined, value: unknown, at = 'detail'): string[] {
  if (!schema) return [`${at}: no schema`];
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) if (!KNOWN_KEYWORDS.has(keyword)) problems.push(`${at}: unsupported keyword ${keyword}`);
  if (schema.const !== undefined && value !== schema.const)
    problems.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.type !== undefined) {
    const types = [schema.type].flat();
    if (!types.some((type) => hasType(value, type))) {
      problems.push(`${at}: ${JSON.stringify(value)} is not ${types.join(' or ')}`);
      return problems;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (schema.format === 'date-time' && typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value))
    problems.push(`${at}: ${value} is not an ISO-8601 UTC date-time`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!Object.hasOwn(object, name)) problems.push(`${at}.${name}: missing`);
    if (schema.properties) {
      for (const [name, inner] of Object.entries(object)) {
        const property = schema.properties[name];
        if (property) problems.push(...schemaProblems(property, inner, `${at}.${name}`));
        else problems.push(`${at}.${name}: not in the schema`);
      }
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return false;
  }
}
