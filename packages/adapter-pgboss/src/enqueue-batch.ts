/**
 * The parameters one enqueue statement receives for a batch, column by column
 * rather than one JSON object per job: the jobs of one `enqueue` call share
 * everything but their id, payload and metadata (core builds them from one
 * template), so those shared fields are sent once per distinct combination
 * ("template") and each job carries only its id, payload, template number and,
 * when any job has some, metadata (per job: tracing gives each job its own). A
 * batch of 1,000 jobs is about a third of the bytes of the per-job JSON it
 * replaces, and the server parses one small JSON document instead of 1,000 objects.
 */
import type { BackoffSpec, NewJob } from '@switchyard/core';
import { toPgBossPriority } from './codec.js';

/** The fields jobs share, as `json_to_recordset` reads them (see enqueue.ts): short keys, times as epoch ms. */
interface Template {
  k: number;
  q: string;
  t: string;
  p: number;
  c: number;
  r?: number;
  m: number | null;
  o?: { backoff?: BackoffSpec; timeoutMs?: number };
}

/** One batch, ready to bind. */
export interface EncodedBatch {
  /** Job ids, comma separated (UUIDs have no commas). */
  ids: string;
  /** A JSON array of the payloads, in job order. */
  payloads: string;
  /** Each job's template number, comma separated. */
  templateKeys: string;
  /** A JSON array of the templates. */
  templates: string;
  /** A JSON array of each job's metadata (null when empty); null when every job's is empty. */
  metadata: string | null;
  /** Each job's uniqueKey (null when none); undefined when no job has one. */
  uniqueKeys: (string | null)[] | undefined;
  /** One NOTIFY payload per queue: `queue|earliest runAt in ms`. */
  notices: string[];
}

/** Encodes `jobs` (distinct ids) for the enqueue statement. */
export function encodeBatch(jobs: readonly NewJob[]): EncodedBatch {
  const ids: string[] = new Array(jobs.length);
  const payloads: unknown[] = new Array(jobs.length);
  const keys: number[] = new Array(jobs.length);
  const templates: Template[] = [];
  const templateByShape = new Map<string, number>();
  const earliestRun = new Map<string, number>();
  let metadata: (Record<string, string> | null)[] | undefined;
  let uniqueKeys: (string | null)[] | undefined;
  let previous: NewJob | undefined;
  let previousKey = -1;

  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index] as NewJob;
    ids[index] = job.id;
    // A JSON null payload is stored as SQL NULL, and SQL NULL reads back as null: the same value.
    payloads[index] = job.payload ?? null;
    let key: number;
    if (previous && sameShape(previous, job)) {
      key = previousKey;
    } else {
      const template = templateOf(job, templates.length);
      const shape = JSON.stringify({ ...template, k: 0 });
      const known = templateByShape.get(shape);
      if (known === undefined) {
        templates.push(template);
        templateByShape.set(shape, template.k);
        key = template.k;
      } else {
        key = known;
      }
    }
    keys[index] = key;
    previous = job;
    previousKey = key;
    if (!isEmpty(job.metadata)) {
      metadata ??= new Array(jobs.length).fill(null);
      metadata[index] = job.metadata;
    }
    if (job.uniqueKey !== undefined) {
      uniqueKeys ??= new Array(jobs.length).fill(null);
      uniqueKeys[index] = job.uniqueKey;
    }
    const runMs = job.runAt.getTime();
    const earliest = earliestRun.get(job.queue);
    if (earliest === undefined || runMs < earliest) earliestRun.set(job.queue, runMs);
  }

  return {
    ids: ids.join(','),
    payloads: JSON.stringify(payloads),
    templateKeys: keys.join(','),
    templates: JSON.stringify(templates),
    metadata: metadata ? JSON.stringify(metadata) : null,
    uniqueKeys,
    notices: [...earliestRun].map(([queue, runMs]) => `${queue}|${runMs}`),
  };
}

/**
 * True when `b` has the same template as `a`. Cheap: core hands a call's jobs the same
 * backoff object, so identity settles it; anything else is compared by value in the template map.
 */
function sameShape(a: NewJob, b: NewJob): boolean {
  return (
    a.task === b.task &&
    a.queue === b.queue &&
    a.priority === b.priority &&
    a.maxAttempts === b.maxAttempts &&
    a.createdAt.getTime() === b.createdAt.getTime() &&
    a.runAt.getTime() === b.runAt.getTime() &&
    a.backoff === b.backoff &&
    a.timeoutMs === b.timeoutMs
  );
}

function templateOf(job: NewJob, k: number): Template {
  const createdMs = job.createdAt.getTime();
  const runMs = job.runAt.getTime();
  const template: Template = {
    k,
    q: job.queue,
    t: job.task,
    p: toPgBossPriority(job.priority),
    c: createdMs,
    m: job.maxAttempts,
  };
  // json_to_recordset reads an absent key as NULL: optional fields are left out, and empty ones stay NULL
  // in the row (decoding treats NULL as empty).
  if (runMs !== createdMs) template.r = runMs;
  if (job.backoff || job.timeoutMs !== undefined) {
    template.o = {};
    if (job.backoff) template.o.backoff = job.backoff;
    if (job.timeoutMs !== undefined) template.o.timeoutMs = job.timeoutMs;
  }
  return template;
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _key in record) return false;
  return true;
}
