/**
 * The connection over the REST API (`--url`, `--token`), built on the typed client of
 * `@switchyard/http`. The API's roles apply: a refused call exits 4. Answers the API
 * gives as problems (404, 409) become the same results the direct connection returns,
 * so every command reads them one way.
 */
import { ApiError, createClient, type JobJson, type SwitchyardClient } from '@switchyard/http/client';
import { firstLine } from './config-loader.js';
import type {
  BulkInput,
  CleanInput,
  Connection,
  EnqueueInput,
  HistoryInput,
  JobFilterInput,
} from './connection.js';
import { CliError, ExitCode, unreachableError } from './exit-codes.js';
import { withTimeout } from './timeout.js';

/** Options of `openRemoteConnection`. */
export interface RemoteOptions {
  url: string;
  token?: string;
  /** How long `GET /health` may take before the API counts as unreachable. */
  connectTimeoutMs: number;
  /** How often `jobs wait` re-reads the job. Default 500 ms. */
  pollIntervalMs?: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Checks the API answers (`GET /health`, no auth) and returns a connection to it. */
export async function openRemoteConnection(options: RemoteOptions): Promise<Connection> {
  const client = createClient({ baseUrl: options.url, ...(options.token ? { token: options.token } : {}) });
  try {
    await withTimeout(
      client.health(),
      options.connectTimeoutMs,
      `no answer within ${options.connectTimeoutMs} ms`,
    );
  } catch (error) {
    const reason = error instanceof ApiError ? `${error.status} ${error.detail}` : describeFetchError(error);
    throw unreachableError(`API unreachable at ${options.url}: ${reason}`, { cause: error });
  }
  return new RemoteConnection(client, options.url, options.pollIntervalMs ?? 500);
}

/** Every operation through the API's client. */
export class RemoteConnection implements Connection {
  constructor(
    private readonly client: SwitchyardClient,
    readonly description: string,
    private readonly pollIntervalMs: number,
  ) {}

  tasks() {
    return this.client.tasks.list();
  }

  enqueue(task: string, payload: unknown, options: EnqueueInput) {
    return this.client.jobs.enqueue(task, payload, {
      ...(options.delayMs !== undefined ? { delay: options.delayMs } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      ...(options.uniqueKey !== undefined ? { uniqueKey: options.uniqueKey } : {}),
      ...(options.queue !== undefined ? { queue: options.queue } : {}),
      ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
    });
  }

  getJob(id: string) {
    return this.client.jobs.get(id);
  }

  listJobs(filter: JobFilterInput, page: { limit: number; cursor?: string }) {
    return this.client.jobs.list({
      ...filter,
      limit: page.limit,
      ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
    });
  }

  async cancelJob(id: string) {
    try {
      return (await this.client.jobs.cancel(id)).outcome;
    } catch (error) {
      if (isProblem(error, 404)) return 'not_found' as const;
      if (isProblem(error, 409, 'JOB_STATE_CONFLICT')) return 'finished' as const;
      throw error;
    }
  }

  async retryJob(id: string) {
    try {
      return await this.client.jobs.retry(id);
    } catch (error) {
      if (isProblem(error, 409, 'JOB_STATE_CONFLICT') || isProblem(error, 404)) return null;
      throw error;
    }
  }

  async removeJob(id: string) {
    return this.found(() => this.client.jobs.remove(id));
  }

  /** The API has no blocking wait: re-reads the job until it finishes. */
  async waitJob(id: string, timeoutMs: number): Promise<JobJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.client.jobs.get(id);
      if (job === null) throw new CliError(`job ${id} not found`, ExitCode.notFound, 'NOT_FOUND');
      if (TERMINAL.has(job.state)) return job;
      if (Date.now() >= deadline) {
        throw new CliError(
          `job ${id} did not finish within ${timeoutMs} ms`,
          ExitCode.failure,
          'WAIT_TIMEOUT',
        );
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(this.pollIntervalMs, deadline - Date.now())),
      );
    }
  }

  /** One request: the API reports the total when the action is done. */
  async bulk(input: BulkInput, onProgress: Parameters<Connection['bulk']>[1]) {
    const result = await this.client.jobs.bulk({
      action: input.action,
      filter: input.filter,
      ...(input.all ? { all: true } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
    });
    onProgress(result);
    return result;
  }

  async clean(input: CleanInput, onProgress: Parameters<Connection['clean']>[1]) {
    const result = await this.client.jobs.clean({
      state: input.state as 'completed' | 'failed' | 'cancelled',
      olderThan: input.olderThanMs,
      ...(input.queue !== undefined ? { queue: input.queue } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
    });
    onProgress(result);
    return result;
  }

  stats() {
    return this.client.stats.summary();
  }

  history(input: HistoryInput) {
    return this.client.stats.history(input);
  }

  workers() {
    return this.client.workers.list();
  }

  queues() {
    return this.client.queues.list();
  }

  async pauseQueue(queue: string) {
    await this.client.queues.pause(queue);
  }

  async resumeQueue(queue: string) {
    await this.client.queues.resume(queue);
  }

  schedules() {
    return this.client.schedules.list();
  }

  pauseSchedule(key: string) {
    return this.found(() => this.client.schedules.pause(key));
  }

  resumeSchedule(key: string) {
    return this.found(() => this.client.schedules.resume(key));
  }

  removeSchedule(key: string) {
    return this.found(() => this.client.schedules.remove(key));
  }

  async triggerSchedule(key: string) {
    try {
      return await this.client.schedules.trigger(key);
    } catch (error) {
      if (isProblem(error, 404)) return null;
      throw error;
    }
  }

  async close(): Promise<void> {}

  /** True when the call succeeded, false on 404. */
  private async found(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (isProblem(error, 404)) return false;
      throw error;
    }
  }
}

function isProblem(error: unknown, status: number, code?: string): boolean {
  return error instanceof ApiError && error.status === status && (code === undefined || error.code === code);
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? firstLine(cause) : firstLine(error);
}
