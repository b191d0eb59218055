/**
 * An "enqueue" form from a task's payload JSON Schema (pure): each top-level property of
 * an object schema becomes a field of a fitting kind; anything the form cannot express
 * (nested objects, arrays, unions, non-object payloads) is edited as JSON text.
 */

/** The kinds of field the form renders. */
export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'select' | 'json';

/** One field. */
export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** For `select`: the allowed values (JSON values, shown as their JSON text). */
  options?: unknown[];
  description?: string;
  /** Initial text of the input (`'true'`/`'false'` for booleans). */
  initial: string;
  /** Constraints shown to the browser (`min`, `max`, `minLength`, `maxLength`, `pattern`). */
  constraints: Record<string, string | number>;
}

/** The form: fields, or one JSON editor for the whole payload. */
export type PayloadForm = { kind: 'fields'; fields: FormField[] } | { kind: 'json'; initial: string };

type Schema = Record<string, unknown>;

/** The types a property allows, with `null` dropped (optional-by-null fields are plain fields here). */
function typesOf(schema: Schema): string[] {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type))
    return type.filter((entry): entry is string => typeof entry === 'string' && entry !== 'null');
  return [];
}

function fieldOf(name: string, schema: Schema, required: boolean): FormField {
  const types = typesOf(schema);
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  const base = { name, required, ...(description ? { description } : {}) };
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined;
  if (values && values.length > 0) {
    const initial =
      'default' in schema ? JSON.stringify(schema.default) : required ? JSON.stringify(values[0]) : '';
    return { ...base, kind: 'select', options: values, initial, constraints: {} };
  }
  if (types.length === 1) {
    const constraints: Record<string, string | number> = {};
    for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern'] as const) {
      const value = schema[key];
      if (typeof value === 'number' || typeof value === 'string') constraints[key] = value;
    }
    const fallback = 'default' in schema ? schema.default : undefined;
    switch (types[0]) {
      case 'string':
        return { ...base, kind: 'text', initial: typeof fallback === 'string' ? fallback : '', constraints };
      case 'number':
      case 'integer':
        return {
          ...base,
          kind: types[0],
          initial: typeof fallback === 'number' ? String(fallback) : '',
          constraints,
        };
      case 'boolean':
        return { ...base, kind: 'boolean', initial: fallback === true ? 'true' : 'false', constraints: {} };
    }
  }
  const fallback = 'default' in schema ? JSON.stringify(schema.default, null, 2) : '';
  return { ...base, kind: 'json', initial: fallback, constraints: {} };
}

/** The form for a payload schema; `null` (no schema) edits JSON. */
export function formFromSchema(schema: Schema | null): PayloadForm {
  if (
    !schema ||
    typesOf(schema)[0] !== 'object' ||
    typeof schema.properties !== 'object' ||
    schema.properties === null
  ) {
    return { kind: 'json', initial: schema && typesOf(schema)[0] === 'object' ? '{}' : '' };
  }
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields = Object.entries(schema.properties as Record<string, Schema>).map(([name, property]) =>
    fieldOf(name, typeof property === 'object' && property !== null ? property : {}, required.has(name)),
  );
  return { kind: 'fields', fields };
}

/** A field's problem, or the payload built from the form's texts (pure; the API validates again). */
export function payloadFromForm(
  form: PayloadForm,
  values: Record<string, string>,
): { payload: unknown } | { error: string; field?: string } {
  if (form.kind === 'json') {
    const text = (values.$json ?? '').trim();
    if (text === '') return { payload: undefined };
    try {
      return { payload: JSON.parse(text) };
    } catch (error) {
      return { error: `payload is not valid JSON: ${(error as Error).message}`, field: '$json' };
    }
  }
  const payload: Record<string, unknown> = {};
  for (const field of form.fields) {
    const text = values[field.name] ?? field.initial;
    if (field.kind === 'boolean') {
      payload[field.name] = text === 'true';
      continue;
    }
    if (text.trim() === '' && field.kind !== 'text') {
      if (field.required) return { error: `${field.name} is required`, field: field.name };
      continue;
    }
    if (field.kind === 'text') {
      if (text === '' && !field.required) continue;
      payload[field.name] = text;
    } else if (field.kind === 'number' || field.kind === 'integer') {
      const number = Number(text);
      if (!Number.isFinite(number) || (field.kind === 'integer' && !Number.isInteger(number))) {
        return {
          error: `${field.name} must be ${field.kind === 'integer' ? 'an integer' : 'a number'}`,
          field: field.name,
        };
      }
      payload[field.name] = number;
    } else {
      try {
        payload[field.name] = JSON.parse(text);
      } catch {
        return { error: `${field.name} is not valid JSON`, field: field.name };
      }
    }
  }
  return { payload };
}
