/**
 * SQS queue names and URLs: one SQS queue per Switchyard queue, `${prefix}-${queue}-p0`
 * (`.fifo` appended in FIFO mode; the `-p0` suffix dates from when each priority band had a
 * queue of its own), created or looked up once and cached.
 */
import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AdapterError } from '@switchyard/core';

/** SQS allows 80 characters of [A-Za-z0-9_-] in a queue name (a FIFO queue's includes `.fifo`). */
const MAX_NAME = 80;

/**
 * The SQS queue name of a Switchyard queue. Switchyard names may hold `.` and `:`, SQS names
 * may not, so `_` `.` `:` are escaped (`__` `_d` `_c`) and names that end up too long get a
 * hash in place of their tail.
 */
export function sqsQueueName(prefix: string, queue: string, fifo = false): string {
  const escaped = queue.replace(/[_.:]/g, (char) => (char === '_' ? '__' : char === '.' ? '_d' : '_c'));
  const suffix = fifo ? '-p0.fifo' : '-p0';
  const name = `${prefix}-${escaped}${suffix}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(`${prefix}\0${queue}`).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_NAME - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** The SQS queue of one Switchyard queue. */
export interface QueueTarget {
  queue: string;
  url: string;
}

/** Resolves (creating when allowed) and caches the URL of every SQS queue. */
export class QueueDirectory {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly client: SQSClient,
    private readonly settings: {
      prefix: string;
      create: boolean;
      fifo: boolean;
      attributes: Record<string, string>;
    },
  ) {}

  /** The SQS queue of `queue`. */
  async targetOf(queue: string): Promise<QueueTarget> {
    return { queue, url: await this.urlOf(queue) };
  }

  /** The URL of the SQS queue of `queue`. */
  urlOf(queue: string): Promise<string> {
    const name = sqsQueueName(this.settings.prefix, queue, this.settings.fifo);
    let url = this.urls.get(name);
    if (!url) {
      url = this.resolve(name);
      // A failed lookup is not cached, so the next call tries again.
      url.catch(() => this.urls.delete(name));
      this.urls.set(name, url);
    }
    return url;
  }

  private async resolve(name: string): Promise<string> {
    try {
      if (this.settings.create) {
        const created = await this.client.send(
          new CreateQueueCommand({
            QueueName: name,
            Attributes: this.settings.fifo
              ? { ...this.settings.attributes, FifoQueue: 'true' }
              : this.settings.attributes,
          }),
        );
        if (created.QueueUrl) return created.QueueUrl;
      }
      const found = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (found.QueueUrl) return found.QueueUrl;
      throw new Error('no QueueUrl in the response');
    } catch (cause) {
      throw new AdapterError(
        'sqs',
        `cannot ${this.settings.create ? 'create' : 'find'} SQS queue "${name}": ${describe(cause)}`,
        { cause },
      );
    }
  }
}

/** A short description of an AWS SDK error (name and message), for wrapping. */
export function describe(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
