/**
 * `adapter.events`: the job-state store's event bus (a Redis stream, or in-process for the
 * memory store), with store failures reported as `AdapterError`s like every other store call.
 */
import type { EventBus } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Builds `adapter.events` on the store's bus. */
export function createEventBus(runtime: AdapterRuntime): EventBus {
  const { records } = runtime;
  const bus = runtime.options.store.events;
  const events: EventBus = {
    maxMessageBytes: bus.maxMessageBytes,
    publish: (message) => records.call('publish job events', () => bus.publish(message)),
    subscribe: (handler, options) =>
      records.call('subscribe to job events', () => bus.subscribe(handler, options)),
  };
  // Only an in-process bus knows that nobody listens; a shared one may have listeners elsewhere.
  const hasSubscribers = bus.hasSubscribers?.bind(bus);
  return hasSubscribers ? { ...events, hasSubscribers } : events;
}
