/**
 * The service that is NOT migrated yet: it keeps producing with plain BullMQ, exactly as before.
 * Nothing in it knows about Switchyard.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** What this service has always put on the `images` queue. */
export interface ResizeRequest {
  url: string;
  width?: number;
}

/** The plain BullMQ producer of the `images` queue. */
export function createImageProducer(connection: Redis, prefix: string) {
  const queue = new Queue<ResizeRequest>('images', {
    connection,
    prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 100 } },
  });
  return {
    queue,
    /** `queue.add(name, data)`, as the service does today. */
    requestResize: (request: ResizeRequest) => queue.add('resize', request),
    close: () => queue.close(),
  };
}
