/**
 * The task catalogue: every registered task with its settings and its payload's JSON
 * Schema (from the Standard JSON Schema interface that zod 4 and arktype implement),
 * so a dashboard can build an "enqueue" form and a CLI can list tasks.
 */
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import { parseDuration } from './duration.js';
import type { BackoffSpec } from './job.js';
import { normalizeAttempts, normalizeBackoff } from './retry.js';
import type { TaskDefinition } from './task.js';

/** One task in `yard.tasks.list()`. */
export interface TaskInfo {
  name: string;
  queue: string;
  priority: number;
  /** Total attempts; null for unlimited. */
  attempts: number | null;
  /** The backoff as stored on jobs, or `'function'` when the task computes it. */
  backoff: BackoffSpec | 'function';
  timeoutMs: number;
  /** False for a producer-only definition (a worker then needs `worker.handle`). */
  hasHandler: boolean;
  /**
   * JSON Schema (draft 2020-12) of the payload as enqueue accepts it; null when the task
   * has no schema, or its schema library cannot describe itself as JSON Schema.
   */
  payloadSchema: Record<string, unknown> | null;
}

/** The registered tasks: a map by name, plus `list()`. */
export class TaskRegistry extends Map<string, TaskDefinition> {
  /** Every task, by name, with its settings and payload JSON Schema. */
  list(): TaskInfo[] {
    return [...this.values()].map(describeTask).sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Describes one task. */
export function describeTask(task: TaskDefinition): TaskInfo {
  const backoff = normalizeBackoff(task.retry.backoff);
  return {
    name: task.name,
    queue: task.queue,
    priority: task.priority,
    attempts: normalizeAttempts(task.retry.attempts),
    backoff: typeof backoff === 'function' ? 'function' : backoff,
    timeoutMs: parseDuration(task.timeout, 'timeout'),
    hasHandler: typeof task.handler === 'function',
    payloadSchema: payloadJsonSchema(task),
  };
}

/** The payload's JSON Schema where the schema library offers one, else null. */
export function payloadJsonSchema(task: TaskDefinition): Record<string, unknown> | null {
  if (task.schemaless) return null;
  const standard = (task.schema as unknown as Partial<StandardJSONSchemaV1>)['~standard'];
  const converter = standard?.jsonSchema;
  if (!converter || typeof converter.input !== 'function') return null;
  try {
    return converter.input({ target: 'draft-2020-12' });
  } catch {
    // Some schemas (transforms, custom checks) have no JSON form: the form falls back to raw JSON.
    return null;
  }
}
