/** The tasks of the HTTP tests. Producer-only where a test attaches its own handler. */
import { defineTask } from '@switchyard/core';
import { z } from 'zod';

/** A typed task with a nested secret, for validation and redaction tests. */
export const chargeTask = defineTask({
  name: 'http.charge',
  queue: 'billing',
  schema: z.object({
    orderId: z.number().int(),
    card: z.object({ number: z.string(), holder: z.string() }).optional(),
    tenant: z.string().optional(),
  }),
  retry: { attempts: 1 },
  timeout: '30s',
});

/** A second task on another queue. */
export const mailTask = defineTask({
  name: 'http.mail',
  queue: 'mail',
  schema: z.object({ to: z.string() }),
  retry: { attempts: 1 },
  timeout: '30s',
});

/** Every task of the HTTP tests. */
export const HTTP_TASKS = [chargeTask, mailTask];
