/**
 * The commands of a one-job enqueue, held until the batch is built and then sent one by
 * one on the connection, with replies shaped as `pipeline.exec()`'s. An ioredis pipeline
 * copies every script its client defines (BullMQ's and the adapter's, a hundred-odd
 * properties) and BullMQ wraps it in closures of its own: about 30 µs of CPU and their
 * garbage per pipeline, which a one-job enqueue paid on top of raw BullMQ's `Queue.add`
 * (one command, no pipeline). Commands on one connection run in the order sent, as a
 * pipeline's do, and neither is atomic; nothing is sent when the batch is discarded.
 */

/** `[error, result]`, as `pipeline.exec()` reports each command. */
export type CommandReply = [error: Error | null, result: unknown];

type Command = (...args: unknown[]) => Promise<unknown>;

/** The subset of a pipeline the enqueue path uses. */
export class DirectCommands {
  private readonly sends: Array<() => Promise<unknown>> = [];

  constructor(private readonly client: object) {}

  /** How BullMQ's backend queues its add scripts (`RedisQueueBackend.execCommand`). */
  runCommand(name: string, args: unknown[]): this {
    return this.hold(name, [args]);
  }

  zadd(...args: unknown[]): this {
    return this.hold('zadd', args);
  }

  /** The adapter's known-queue record and existence check (a script defined on the same client). */
  syRecordQueuesFindJobs(...args: unknown[]): this {
    return this.hold('syRecordQueuesFindJobs', args);
  }

  /** Sends every held command, in order, and resolves with each one's reply. */
  exec(): Promise<CommandReply[]> {
    const sent = this.sends.map((send) => send());
    this.sends.length = 0;
    return Promise.all(
      sent.map((reply) =>
        reply.then(
          (result): CommandReply => [null, result],
          (error: unknown): CommandReply => [error instanceof Error ? error : new Error(String(error)), null],
        ),
      ),
    );
  }

  discard(): void {
    this.sends.length = 0;
  }

  private hold(name: string, args: unknown[]): this {
    const command = (this.client as Record<string, Command | undefined>)[name];
    if (typeof command !== 'function') throw new Error(`the Redis client has no "${name}" command`);
    this.sends.push(() => command.apply(this.client, args));
    return this;
  }
}
