/** What the harness needs from each durable backend: adapters, its own connections, backdoors. */
import type { ServiceAddress } from '@switchyard/conformance/tcp-proxy';
import type { QueueAdapter } from '@switchyard/core';

/** The durable adapters the harness runs. */
export type BackendName = 'bullmq' | 'pgboss' | 'sqs';

/** Maps a service's real address to the one to connect to (itself, or a proxy in front of it). */
export type Route = (service: ServiceAddress) => ServiceAddress;

/** The identity route: connect straight to the service. */
export const direct: Route = (service) => service;

/** One backend of the harness. Every name it creates carries the run's `prefix`. */
export interface ChaosBackend {
  readonly name: BackendName;
  /** The services the adapter talks to (a proxy goes in front of each in the outage scenarios). */
  services(): ServiceAddress[];
  /** An adapter on the run's prefix, its connections named after it. */
  createAdapter(prefix: string, route: Route): QueueAdapter;
  /** Kills the run's own connections from the server side; resolves with how many. */
  killConnections(prefix: string): Promise<number>;
  /** Writes `count` malformed entries into `queue` of the run, bypassing the adapter. */
  writeMalformed(prefix: string, queue: string, count: number): Promise<MalformedSummary>;
  /** Drops the run's keys, schema or queues. */
  cleanup(prefix: string): Promise<void>;
  /** Closes the backdoor connections. */
  close(): Promise<void>;
}

/** How many malformed entries of each kind were written. */
export type MalformedSummary = Record<string, number>;

/** The address in a URL (with the protocol's default port). */
export function addressOf(url: string, defaultPort: number): ServiceAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

/** Splits `count` into `kinds` near-equal parts, in order. */
export function split(count: number, kinds: number): number[] {
  return Array.from({ length: kinds }, (_, index) => Math.floor((count + index) / kinds));
}
