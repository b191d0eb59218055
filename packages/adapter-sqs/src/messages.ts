/**
 * SQS calls, batched where SQS allows: SendMessageBatch (10 per call),
 * DeleteMessageBatch (10 per call, gathered over a few ms from many leases),
 * ReceiveMessage, ChangeMessageVisibility. Every failure becomes `AdapterError('sqs', ...)`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AdapterError, type Logger } from '@switchyard/core';
import { describe } from './queues.js';

/** SQS's limit on entries per batch call. */
const BATCH_SIZE = 10;
/** How long deletes wait for company before a batch goes out (a finished message may stay hidden a bit longer; nothing waits on it). */
const DELETE_LINGER_MS = 20;

/** One message to send. */
export interface OutgoingMessage {
  body: string;
  delaySeconds: number;
  /** FIFO queues only: the message group and the deduplication id. */
  fifo?: { groupId: string; deduplicationId: string };
}

/** The optional parts of a send entry (delay on standard queues, group and dedup id on FIFO ones). */
function sendFields(message: OutgoingMessage) {
  return {
    ...(message.delaySeconds > 0 ? { DelaySeconds: message.delaySeconds } : {}),
    ...(message.fifo
      ? { MessageGroupId: message.fifo.groupId, MessageDeduplicationId: message.fifo.deduplicationId }
      : {}),
  };
}

/** Counts of API calls by action, for the benchmark and the cost table in the docs. */
export type ApiCallCounts = Record<string, number>;

interface PendingDelete {
  receiptHandle: string;
  settle: (error?: Error) => void;
}

/** The SQS side of the adapter. */
export class SqsMessages {
  /** API calls made so far, by action name. */
  readonly calls: ApiCallCounts = {};
  private readonly deletes = new Map<string, PendingDelete[]>();
  private deleteTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: SQSClient,
    private readonly logger: () => Logger,
    /** Told when a receive is given up for want of an answer (see `receive`). */
    private readonly onAbandoned: () => void = () => {},
  ) {}

  /** Sends messages to one queue, 10 per call; throws when SQS rejects any of them. */
  async sendBatch(url: string, messages: OutgoingMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      const chunk = messages.slice(start, start + BATCH_SIZE);
      const entries = chunk.map((message, index) => ({
        Id: String(index),
        MessageBody: message.body,
        ...sendFields(message),
      }));
      const output = await this.send('SendMessageBatch', () =>
        this.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })),
      );
      const failed = output.Failed ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new AdapterError(
          'sqs',
          `SendMessageBatch rejected ${failed.length} of ${entries.length} messages (${first.Code}: ${first.Message})`,
        );
      }
    }
  }

  /** Sends one message (a delay hop, or a dead-lettered foreign message). */
  async sendOne(url: string, message: OutgoingMessage): Promise<void> {
    await this.send('SendMessage', () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: message.body,
          ...sendFields(message),
        }),
      ),
    );
  }

  /**
   * ReceiveMessage: up to `max` (≤ 10) messages, hidden for `visibilitySeconds`, waiting up to
   * `waitSeconds`. With `giveUpAfterMs`, a call not answered by then is aborted (its connection is
   * presumed dead: a half-open socket never answers) and rejects with an `AdapterError`.
   */
  async receive(
    url: string,
    max: number,
    visibilitySeconds: number,
    waitSeconds: number,
    options: { giveUpAfterMs?: number } = {},
  ): Promise<Message[]> {
    const controller = options.giveUpAfterMs === undefined ? null : new AbortController();
    const timer = controller
      ? setTimeout(() => {
          this.onAbandoned();
          controller.abort();
        }, options.giveUpAfterMs)
      : null;
    try {
      const output = await this.send('ReceiveMessage', () =>
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(BATCH_SIZE, Math.max(1, max)),
            VisibilityTimeout: visibilitySeconds,
            WaitTimeSeconds: waitSeconds,
            // Its age decides whether a long wait may keep this message or needs a fresh one. The group and
            // the producer's attributes are for foreignJobs mappings (Switchyard's own messages have none).
            MessageSystemAttributeNames: ['SentTimestamp', 'MessageGroupId'],
            MessageAttributeNames: ['All'],
          }),
          controller ? { abortSignal: controller.signal } : {},
        ),
      );
      return output.Messages ?? [];
    } catch (error) {
      if (controller?.signal.aborted) {
        throw new AdapterError(
          'sqs',
          `ReceiveMessage gave no answer within ${options.giveUpAfterMs} ms; abandoned it (a broken connection?)`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** ChangeMessageVisibility; false when the receipt handle is no longer valid (the lease is lost). */
  async changeVisibility(url: string, receiptHandle: string, seconds: number): Promise<boolean> {
    try {
      await this.send('ChangeMessageVisibility', () =>
        this.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isLostReceipt(error)) return false;
      throw error;
    }
  }

  /** Makes messages visible again at once (received while stopping or beyond capacity). */
  async releaseMany(url: string, receiptHandles: string[]): Promise<void> {
    for (let start = 0; start < receiptHandles.length; start += BATCH_SIZE) {
      const entries = receiptHandles
        .slice(start, start + BATCH_SIZE)
        .map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
      await this.send('ChangeMessageVisibilityBatch', () =>
        this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })),
      );
    }
  }

  /** Deletes one message now. */
  async deleteNow(url: string, receiptHandle: string): Promise<void> {
    await this.send('DeleteMessage', () =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })),
    );
  }

  /**
   * Queues a delete for the next DeleteMessageBatch of this queue. Never rejects: a failed
   * delete is logged, and the message is deleted as finished when SQS hands it out again.
   */
  deleteLater(url: string, receiptHandle: string): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const settle = (error?: Error): void => {
        if (error)
          this.logger().warn(
            { err: error },
            "sqs: deleting a finished job's message failed; it will be deleted when redelivered",
          );
        resolve();
      };
      const queue = this.deletes.get(url) ?? [];
      queue.push({ receiptHandle, settle });
      this.deletes.set(url, queue);
      if (queue.length >= BATCH_SIZE) this.flushQueue(url);
      else this.deleteTimer ??= setTimeout(() => this.flushDeletes(), DELETE_LINGER_MS);
    });
    return this.track(done);
  }

  /** Sends every queued delete now and waits for all outstanding batched calls. */
  async drain(): Promise<void> {
    this.flushDeletes();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private flushDeletes(): void {
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = null;
    for (const url of [...this.deletes.keys()]) this.flushQueue(url);
  }

  private flushQueue(url: string): void {
    const queued = this.deletes.get(url) ?? [];
    this.deletes.delete(url);
    for (let start = 0; start < queued.length; start += BATCH_SIZE) {
      const chunk = queued.slice(start, start + BATCH_SIZE);
      const entries = chunk.map((entry, index) => ({
        Id: String(index),
        ReceiptHandle: entry.receiptHandle,
      }));
      const call = this.send('DeleteMessageBatch', () =>
        this.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries })),
      ).then(
        (output) => {
          const failedIds = new Map((output.Failed ?? []).map((failure) => [failure.Id, failure]));
          chunk.forEach((entry, index) => {
            const failure = failedIds.get(String(index));
            entry.settle(
              failure
                ? new AdapterError('sqs', `DeleteMessageBatch: ${failure.Code}: ${failure.Message}`)
                : undefined,
            );
          });
        },
        (error: Error) => {
          for (const entry of chunk) entry.settle(error);
        },
      );
      this.track(call);
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    try {
      return await call();
    } catch (cause) {
      throw new AdapterError('sqs', `${action} failed: ${describe(cause)}`, { cause });
    }
  }
}

/** True when SQS says the receipt handle is stale: the message was deleted or handed to someone else. */
export function isLostReceipt(error: unknown): boolean {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const { name = '', message = '' } = (cause ?? {}) as { name?: string; message?: string };
  if (/MessageNotInflight|ReceiptHandleIsInvalid/.test(name)) return true;
  // Real SQS reports an expired receipt handle as InvalidParameterValue.
  return name === 'InvalidParameterValue' && /receipt handle/i.test(message);
}
