import { createRequire } from 'node:module';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
/** GitHub's published REST description (api.github.com), with its webhooks under `x-webhooks`. */
export const spec = require('@octokit/openapi/generated/api.github.com.deref.json');

// Both are CommonJS modules whose default export is the class or function itself.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
export const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);

/** OpenAPI 3.0's `nullable: true` becomes JSON Schema's `anyOf [schema, null]` (Ajv needs `type` beside it). */
export function toJsonSchema(schema: any, seen = new WeakMap<object, any>()): any {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (seen.has(schema)) return seen.get(schema);
  const out: any = {};
  seen.set(schema, out);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'discriminator' || key === 'example' || key === 'examples') continue;
    out[key] = toJsonSchema(value, seen);
  }
  if (schema.nullable === true) {
    const copy = { ...out };
    for (const key of Object.keys(out)) delete out[key];
    out.anyOf = [copy, { type: 'null' }];
  }
  return out;
}

const compiled = new Map<object, ReturnType<typeof ajv.compile>>();

/** Validates `data` against an OpenAPI schema; returns the problems as one line, or null. */
export function problemsWith(schema: object, data: unknown): string | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema));
    compiled.set(schema, validate);
  }
  return validate(data) ? null : ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 600);
}

/** The schema of a webhook payload, by event and action (`installation`, `created`). */
export function webhookSchema(event: string, action: string | null): object | undefined {
  const name = `${event}${action ? `-${action}` : ''}`.replaceAll('_', '-');
  return spec['x-webhooks'][name]?.post?.requestBody?.content?.['application/json']?.schema;
}
