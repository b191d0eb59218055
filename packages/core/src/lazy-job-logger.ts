/** A job's logger whose per-job bindings are built only when a line is written. */
import type { JobRecord } from './job.js';
import { childLogger, type Logger } from './logger.js';

/** Per-job log bindings cost allocations; build them only when a line is actually written. */
export class LazyJobLogger implements Logger {
  private bound?: Logger;

  constructor(
    private readonly base: Logger,
    private readonly job: JobRecord,
  ) {}

  private get target(): Logger {
    const { job } = this;
    this.bound ??= childLogger(this.base, {
      jobId: job.id,
      task: job.task,
      queue: job.queue,
      attempt: job.attempt,
    });
    return this.bound;
  }

  debug(obj: object, msg?: string): void {
    this.target.debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.target.info(obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.target.warn(obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.target.error(obj, msg);
  }
}
