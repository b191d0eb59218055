/**
 * `GET /events`: the cluster's job events as Server-Sent Events. `Last-Event-ID` (or
 * `?after=`) resumes where the backend keeps a log; where it does not, the stream starts
 * with a `gap` event. Comments every `heartbeatMs` keep proxies from closing an idle
 * stream; the subscription ends when the client goes away.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ClusterEvent } from '@switchyard/core';
import { streamSSE } from 'hono/streaming';
import { routeOf } from '../define-route.js';
import { fail } from '../problem.js';
import type { ApiEnv, ApiRuntime } from '../runtime.js';
import { problems } from '../schemas/common.js';
import { EventsQuerySchema, JobEventSchema } from '../schemas/operations.js';

/** Events held for a slow client; past this they are dropped and the client gets a `gap`. */
export const MAX_BUFFERED_EVENTS = 10_000;
/** Reconnect delay the stream suggests to clients, ms. */
const RETRY_MS = 2000;
const EVENT_ID = /^[\x21-\x7e]{1,200}$/;

/** The SSE fields of one cluster event (gaps carry no id, so `Last-Event-ID` keeps the last real one). */
export function sseMessage(event: ClusterEvent): { event: string; data: string; id?: string } {
  if (event.type === 'gap') return { event: 'gap', data: JSON.stringify(event) };
  return { event: event.type, id: event.id, data: JSON.stringify(event) };
}

/** Registers `GET /events`. */
export function registerEventRoutes(app: OpenAPIHono<ApiEnv>, runtime: ApiRuntime): void {
  const { yard } = runtime;
  app.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /events'),
      tags: ['events'],
      summary:
        'Server-Sent Events of every job event in the cluster (event name = type; `gap` when some may be lost)',
      request: {
        query: EventsQuerySchema,
        headers: z.object({
          'last-event-id': z
            .string()
            .optional()
            .openapi({ description: 'Resume after this event id (browsers send it on reconnect)' }),
        }),
      },
      responses: {
        200: {
          description: 'text/event-stream; each `data` is a JSON JobEvent, or a gap { type, reason, at }',
          content: { 'text/event-stream': { schema: JobEventSchema } },
        },
        ...problems(400, 401, 403, 429, 501, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const after = c.req.header('last-event-id') || query.after;
      if (after !== undefined && !EVENT_ID.test(after)) {
        fail(400, 'INVALID_REQUEST', 'Last-Event-ID must be an event id from this stream');
      }
      const buffer: ClusterEvent[] = [];
      let dropped = false;
      let wake: (() => void) | undefined;
      const unsubscribe = await yard.subscribe(
        (event) => {
          if (buffer.length >= MAX_BUFFERED_EVENTS) {
            buffer.length = 0;
            dropped = true;
          } else {
            buffer.push(event);
          }
          wake?.();
        },
        {
          ...(query.queue ? { queues: query.queue } : {}),
          ...(query.task ? { tasks: query.task } : {}),
          ...(after !== undefined ? { after } : {}),
        },
      );
      c.header('x-accel-buffering', 'no');
      c.header('cache-control', 'no-cache, no-store');
      return streamSSE(c, async (stream) => {
        let ended = false;
        const handle = {
          end: () => {
            ended = true;
            wake?.();
          },
        };
        runtime.streams.add(handle);
        stream.onAbort(handle.end);
        // On Node the request's signal aborts when the client hangs up, even while no write is pending.
        c.req.raw.signal?.addEventListener('abort', handle.end, { once: true });
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await stream.write(`retry: ${RETRY_MS}\n: connected\n\n`);
          while (!ended && !stream.aborted) {
            if (dropped) {
              dropped = false;
              await stream.writeSSE(
                sseMessage({
                  type: 'gap',
                  reason: 'the client read too slowly; events were dropped',
                  at: new Date(),
                }),
              );
            }
            while (buffer.length > 0 && !ended) await stream.writeSSE(sseMessage(buffer.shift()!));
            if (ended || stream.aborted) break;
            const beat = await new Promise<boolean>((resolve) => {
              wake = () => resolve(false);
              timer = setTimeout(() => resolve(true), runtime.heartbeatMs);
            });
            wake = undefined;
            clearTimeout(timer);
            if (beat && !ended) await stream.write(': ping\n\n');
          }
        } finally {
          clearTimeout(timer);
          runtime.streams.delete(handle);
          await unsubscribe().catch((error: unknown) =>
            runtime.logger.warn({ err: error }, 'switchyard http: unsubscribing an event stream failed'),
          );
        }
      });
    },
  );
}
