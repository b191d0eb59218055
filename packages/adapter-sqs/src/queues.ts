/**
 * SQS queue names and URLs: one SQS queue per Switchyard queue per priority band,
 * `${prefix}-${queue}-p${band}`, created or looked up once and cached.
 */
import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AdapterError } from '@switchyard/core';

/** SQS allows 80 characters of [A-Za-z0-9_-] in a queue name (a FIFO queue's includes `.fifo`). */
const MAX_NAME = 80;

/** The priority band (0 = most urgent) of a job priority 0..9, with `bands` bands. */
export function priorityBand(priority: number, bands: number): number {
  const clamped = Math.min(9, Math.max(0, Math.trunc(priority)));
  return Math.min(bands - 1, Math.floor((clamped * bands) / 10));
}

/**
 * The SQS queue name of one band of a Switchyard queue. Switchyard names may hold
 * `.` and `:`, SQS names may not, so `_` `.` `:` are escaped (`__` `_d` `_c`) and
 * names that end up too long get a hash in place of their tail.
 */
export function sqsQueueName(prefix: string, queue: string, band: number, fifo = false): string {
  const escaped = queue.replace(/[_.:]/g, (char) => (char === '_' ? '__' : char === '.' ? '_d' : '_c'));
  const suffix = fifo ? `-p${band}.fifo` : `-p${band}`;
  const name = `${prefix}-${escaped}${suffix}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(`${prefix}\0${queue}`).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_NAME - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** One SQS queue standing for one band of one Switchyard queue. */
export interface BandQueue {
  queue: string;
  band: number;
  url: string;
}

/** Resolves (creating when allowed) and caches the URL of every band queue. */
export class QueueDirectory {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly client: SQSClient,
    private readonly settings: {
      prefix: string;
      bands: number;
      create: boolean;
      fifo: boolean;
      attributes: Record<string, string>;
    },
  ) {}

  /** The band queues of `queue`, most urgent first. */
  async bandsOf(queue: string): Promise<BandQueue[]> {
    const bands = Array.from({ length: this.settings.bands }, (_, band) => band);
    return Promise.all(bands.map(async (band) => ({ queue, band, url: await this.urlOf(queue, band) })));
  }

  /** The URL of one band queue. */
  urlOf(queue: string, band: number): Promise<string> {
    const name = sqsQueueName(this.settings.prefix, queue, band, this.settings.fifo);
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
