/**
 * The workers registry: a worker writes its entry into the backend when it starts,
 * refreshes it on its heartbeat loop and deletes it when it stops; an entry that is
 * not refreshed within the grace (a killed process) expires. `yard.workers.list()`
 * reads every live entry of the cluster.
 */
import { hostname } from 'node:os';
import type { BackendHealth } from './backend-health.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { WorkerRegistry } from './operations-contract.js';
import { SWITCHYARD_VERSION } from './version.js';

/** One live worker, as `yard.workers.list()` reports it. */
export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  /** Jobs the worker runs right now (as of `lastSeenAt`). */
  runningJobIds: string[];
  startedAt: Date;
  lastSeenAt: Date;
  /** When the entry expires unless the worker heartbeats again. */
  expiresAt: Date;
  /** `@switchyard/core` version the worker runs. */
  version: string;
  /** The adapter's name (`memory`, `bullmq`, `pgboss`, `sqs`, ...). */
  adapter: string;
}

/** The stored form: dates as epoch ms. */
interface StoredWorker {
  v: 1;
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  runningJobIds: string[];
  startedAt: number;
  lastSeenAt: number;
  expiresAt: number;
  version: string;
  adapter: string;
}

/** What a worker knows about itself. */
export interface WorkerIdentity {
  id: string;
  queues: string[];
  concurrency: number;
  adapter: string;
}

/** Keeps one worker's registry entry fresh. Registry failures are logged (once per outage), never thrown. */
export class WorkerPresence {
  private startedAt = 0;
  private failing = false;
  private writing?: Promise<void>;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly identity: WorkerIdentity,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** How long an entry lives without a refresh. */
    private readonly graceMs: number,
    /** Where an unreachable backend is reported instead (logged once per outage with the rest). */
    private readonly health?: BackendHealth,
  ) {}

  /** Registers the worker. */
  async start(runningJobIds: string[]): Promise<void> {
    this.startedAt = this.clock.now();
    await this.write(runningJobIds);
  }

  /** Refreshes the entry; skipped while the previous write is still in flight. */
  beat(runningJobIds: string[]): void {
    if (this.writing) return;
    this.writing = this.write(runningJobIds).finally(() => {
      this.writing = undefined;
    });
  }

  /** Deregisters the worker. */
  async stop(): Promise<void> {
    await this.writing;
    try {
      await this.registry.remove(this.identity.id);
    } catch (error) {
      this.logger.warn(
        { err: error, worker: this.identity.id },
        'switchyard: could not deregister the worker; its entry expires after the grace',
      );
    }
  }

  private async write(runningJobIds: string[]): Promise<void> {
    const now = this.clock.now();
    const expiresAt = now + this.graceMs;
    const stored: StoredWorker = {
      v: 1,
      id: this.identity.id,
      hostname: hostname(),
      pid: process.pid,
      queues: this.identity.queues,
      concurrency: this.identity.concurrency,
      runningJobIds,
      startedAt: this.startedAt,
      lastSeenAt: now,
      expiresAt,
      version: SWITCHYARD_VERSION,
      adapter: this.identity.adapter,
    };
    const duringOutage = this.health?.down === true;
    try {
      await this.registry.put(this.identity.id, JSON.stringify(stored), new Date(expiresAt));
      if (duringOutage && this.health?.down) this.health.succeeded();
      if (this.failing) {
        this.failing = false;
        this.logger.info({ worker: this.identity.id }, 'switchyard: worker registry reachable again');
      }
    } catch (error) {
      if (this.health?.failed(error, 'worker registry')) return;
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          { err: error, worker: this.identity.id },
          'switchyard: could not refresh the worker registry entry',
        );
      }
    }
  }
}

/** Decodes stored entries, dropping malformed and expired ones; oldest worker first. */
export function decodeWorkers(entries: string[], now: number, logger: Logger): WorkerInfo[] {
  const workers: WorkerInfo[] = [];
  let malformed = 0;
  for (const entry of entries) {
    const stored = parseStoredWorker(entry);
    if (!stored) {
      malformed++;
      continue;
    }
    if (stored.expiresAt <= now) continue;
    workers.push({
      id: stored.id,
      hostname: stored.hostname,
      pid: stored.pid,
      queues: stored.queues,
      concurrency: stored.concurrency,
      runningJobIds: stored.runningJobIds,
      startedAt: new Date(stored.startedAt),
      lastSeenAt: new Date(stored.lastSeenAt),
      expiresAt: new Date(stored.expiresAt),
      version: stored.version,
      adapter: stored.adapter,
    });
  }
  if (malformed > 0) logger.warn({ malformed }, 'switchyard: ignored malformed worker registry entries');
  return workers.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.id.localeCompare(b.id));
}

function parseStoredWorker(entry: string): StoredWorker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const worker = value as Partial<StoredWorker>;
  const strings = (list: unknown): list is string[] =>
    Array.isArray(list) && list.every((item) => typeof item === 'string');
  const ok =
    worker.v === 1 &&
    typeof worker.id === 'string' &&
    typeof worker.hostname === 'string' &&
    Number.isInteger(worker.pid) &&
    strings(worker.queues) &&
    Number.isInteger(worker.concurrency) &&
    strings(worker.runningJobIds) &&
    Number.isFinite(worker.startedAt) &&
    Number.isFinite(worker.lastSeenAt) &&
    Number.isFinite(worker.expiresAt) &&
    typeof worker.version === 'string' &&
    typeof worker.adapter === 'string';
  return ok ? (worker as StoredWorker) : undefined;
}
