/**
 * Attribute names: OpenTelemetry messaging semantic conventions where they fit
 * (all still "Development" there), `switchyard.*` for what is ours.
 */

export const ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  errorType: 'error.type',
  adapter: 'switchyard.adapter',
  task: 'switchyard.task',
  attempt: 'switchyard.attempt',
  outcome: 'switchyard.outcome',
  priority: 'switchyard.priority',
  worker: 'switchyard.worker',
} as const;

/**
 * `messaging.system`: the semantics (retries, leases, states) are Switchyard's whatever
 * the backend, so it is not `aws_sqs` or `redis`; `switchyard.adapter` names the backend.
 */
export const MESSAGING_SYSTEM = 'switchyard';

/** The instrumentation scope name of every tracer and meter this package gets. */
export const SCOPE_NAME = '@switchyard/otel';

/** `error.type`: the error's class name, else its type. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || 'Error';
  return error === null ? 'null' : typeof error;
}
