/**
 * The connection over the app's own yard, loaded from its config file: every command
 * talks to the backend directly, with the same tasks and adapter the app uses.
 */
import type { ListJobsQuery, Logger, Switchyard } from '@switchyard/core';
import { SwitchyardError } from '@switchyard/core';
import type { QueueJson } from '@switchyard/http/client';
import { findConfigFile, firstLine, loadYard } from './config-loader.js';
import {
  type BulkInput,
  type CleanInput,
  type Connection,
  type EnqueueInput,
  type JobFilterInput,
  toJson,
} from './connection.js';
import { unreachableError } from './exit-codes.js';
import { withTimeout } from './timeout.js';

/** Options of `openDirectConnection`. */
export interface DirectOptions {
  cwd: string;
  /** `--config`; default: found in `cwd`. */
  configPath?: string;
  logger: Logger;
  /** The command being run (passed to a config function). */
  command: string;
  /** How long `yard.start()` may take before the backend counts as unreachable. */
  connectTimeoutMs: number;
}

/** Loads the config, starts its yard and returns a connection over it. */
export async function openDirectConnection(options: DirectOptions): Promise<DirectConnection> {
  const path = findConfigFile(options.cwd, options.configPath);
  const yard = await loadYard(path, { logger: options.logger, command: options.command }, options.cwd);
  await startYard(yard, options.connectTimeoutMs);
  return new DirectConnection(yard, `${yard.adapter.name} via ${path}`);
}

/** Starts the yard; a failure or a hang is "backend unreachable" (exit 5). */
export async function startYard(yard: Switchyard, timeoutMs: number): Promise<void> {
  try {
    await withTimeout(yard.start(), timeoutMs, `did not answer within ${timeoutMs} ms`);
  } catch (error) {
    if (SwitchyardError.is(error) && error.code === 'INVALID_OPTIONS') throw error;
    throw unreachableError(`backend unreachable: ${yard.adapter.name}: ${firstLine(error)}`, {
      cause: error,
    });
  }
}

/** Every operation over a started yard. */
export class DirectConnection implements Connection {
  constructor(
    /** The started yard (the worker and dashboard commands use it directly). */
    readonly yard: Switchyard,
    readonly description: string,
  ) {}

  async tasks() {
    return toJson(this.yard.tasks.list());
  }

  enqueue(task: string, payload: unknown, options: EnqueueInput) {
    return this.yard.enqueue(task, payload, {
      ...(options.delayMs !== undefined ? { delay: options.delayMs } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      ...(options.uniqueKey !== undefined ? { uniqueKey: options.uniqueKey } : {}),
      ...(options.queue !== undefined ? { queue: options.queue } : {}),
      ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
    });
  }

  async getJob(id: string) {
    const job = await this.yard.jobs.get(id);
    return job ? toJson(job) : null;
  }

  async listJobs(filter: JobFilterInput, page: { limit: number; cursor?: string }) {
    return toJson(
      await this.yard.jobs.list({
        ...listQuery(filter),
        limit: page.limit,
        ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
      }),
    );
  }

  cancelJob(id: string) {
    return this.yard.jobs.cancel(id);
  }

  async retryJob(id: string) {
    const job = await this.yard.jobs.retry(id);
    return job ? toJson(job) : null;
  }

  removeJob(id: string) {
    return this.yard.jobs.remove(id);
  }

  async waitJob(id: string, timeoutMs: number) {
    return toJson(await this.yard.jobs.waitFor(id, { timeout: timeoutMs }));
  }

  bulk(input: BulkInput, onProgress: Parameters<Connection['bulk']>[1]) {
    return this.yard.jobs.bulk({
      filter: listQuery(input.filter),
      action: input.action,
      ...(input.all ? { all: true } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
      onProgress,
    });
  }

  clean(input: CleanInput, onProgress: Parameters<Connection['clean']>[1]) {
    return this.yard.jobs.clean({
      state: input.state,
      olderThan: input.olderThanMs,
      ...(input.queue !== undefined ? { queue: input.queue } : {}),
      ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
      onProgress,
    });
  }

  async stats() {
    return toJson(await this.yard.stats.summary());
  }

  async history(input: Parameters<Connection['history']>[0]) {
    return toJson(await this.yard.stats.history(input));
  }

  async workers() {
    return toJson(await this.yard.workers.list());
  }

  /** The backend's queues (those with jobs or a pause flag), as `GET /queues` lists them. */
  async queues(): Promise<QueueJson[]> {
    const names = await this.yard.queues.list();
    return Promise.all(
      [...names].sort().map(async (queue) => ({
        name: queue,
        paused: await this.yard.queues.isPaused(queue),
        counts: await this.yard.jobs.counts({ queue }),
      })),
    );
  }

  pauseQueue(queue: string) {
    return this.yard.queues.pause(queue);
  }

  resumeQueue(queue: string) {
    return this.yard.queues.resume(queue);
  }

  async schedules() {
    return toJson(await this.yard.schedules.list());
  }

  pauseSchedule(key: string) {
    return this.yard.schedules.pause(key);
  }

  resumeSchedule(key: string) {
    return this.yard.schedules.resume(key);
  }

  removeSchedule(key: string) {
    return this.yard.schedules.remove(key);
  }

  triggerSchedule(key: string) {
    return this.yard.schedules.trigger(key);
  }

  /** Closes the yard; a backend that hangs on close does not hold the command. */
  async close(): Promise<void> {
    await withTimeout(this.yard.close(), 10_000, 'close did not finish within 10 s');
  }
}

function listQuery(filter: JobFilterInput): Omit<ListJobsQuery, 'limit' | 'cursor'> {
  const query: Omit<ListJobsQuery, 'limit' | 'cursor'> = {};
  if (filter.state !== undefined) query.state = filter.state;
  if (filter.queue !== undefined) query.queue = filter.queue;
  if (filter.task !== undefined) query.task = filter.task;
  if (filter.createdAfter !== undefined) query.createdAfter = filter.createdAfter;
  if (filter.createdBefore !== undefined) query.createdBefore = filter.createdBefore;
  if (filter.metadata !== undefined) query.metadata = filter.metadata;
  return query;
}
