/**
 * Real outages for one test: every backend service the adapter uses is reached through a
 * cuttable TCP proxy (the module's `createAdapterThrough`), and the test cuts, freezes and
 * restores them all at once. The proxies are restored when the test ends (so yards can
 * close) and closed after the yards.
 */
import type { QueueAdapter } from '@switchyard/core';
import type { TestScope } from './harness.js';
import type { RouteThroughProxy } from './module.js';
import { type ServiceAddress, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export class OutageRig {
  private readonly proxies = new Map<string, Promise<TcpProxy>>();

  private constructor(private readonly scope: TestScope) {
    scope.onDispose(() => this.restore());
    scope.afterClose(async () => {
      for (const proxy of await this.all()) await proxy.close();
    });
  }

  /** A rig for `scope`'s test; the module must implement `createAdapterThrough`. */
  static open(scope: TestScope): OutageRig {
    if (!scope.env.module.createAdapterThrough) {
      throw new Error('the outage group needs the module hook createAdapterThrough');
    }
    return new OutageRig(scope);
  }

  /** One proxy per service, shared by every adapter of the test. */
  readonly route: RouteThroughProxy = async (service: ServiceAddress) => {
    const key = `${service.host}:${service.port}`;
    let proxy = this.proxies.get(key);
    if (!proxy) {
      proxy = startTcpProxy(service);
      this.proxies.set(key, proxy);
    }
    return (await proxy).address;
  };

  /** A fresh adapter on the test's prefix that reaches its backend through the proxies. */
  adapter(): Promise<QueueAdapter> {
    return this.scope.env.module.createAdapterThrough!({ prefix: this.scope.prefix }, this.route);
  }

  /** The services the adapters went through. */
  async services(): Promise<ServiceAddress[]> {
    return (await this.all()).map((proxy) => proxy.target);
  }

  /** Every service goes down: connections reset, new ones refused. */
  async cut(): Promise<void> {
    await Promise.all((await this.all()).map((proxy) => proxy.cut()));
  }

  /** The network goes silent: nothing moves, nothing fails. */
  async freeze(): Promise<void> {
    for (const proxy of await this.all()) proxy.freeze();
  }

  async restore(): Promise<void> {
    await Promise.all((await this.all()).map((proxy) => proxy.restore()));
  }

  private all(): Promise<TcpProxy[]> {
    return Promise.all(this.proxies.values());
  }
}
