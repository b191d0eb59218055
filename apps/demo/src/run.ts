/** Runs the scripted scenario on one backend from start to clean shutdown. */
import { randomUUID } from 'node:crypto';
import type { BackendName, ShopTimings } from './config.ts';
import { runScenario, type ScenarioHooks, type ScenarioReport } from './scenario.ts';
import { type Shop, startShop } from './shop.ts';

/** A fresh namespace for one run (keys, schemas and queues on shared servers). */
export function newNamespace(): string {
  return randomUUID().replaceAll('-', '').slice(0, 10);
}

/** Options of `runScenarioOn`. */
export interface RunOptions {
  timings: ShopTimings;
  port?: number;
  hooks?: ScenarioHooks;
  /** Called once the shop is up (the demo attaches its timeline here). */
  onShopStarted?(shop: Shop): void;
  /** Leave the shop running after the scenario (the caller closes it; `onShopStarted` hands it over). */
  keepOpen?: boolean;
}

/** Starts a shop on `backend`, runs the scenario, closes the shop. Throws `BackendUnavailableError` when unreachable. */
export async function runScenarioOn(backend: BackendName, options: RunOptions): Promise<ScenarioReport> {
  const shop = await startShop({
    backend,
    timings: options.timings,
    namespace: newNamespace(),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  let keep = false;
  try {
    options.onShopStarted?.(shop);
    const report = await runScenario(
      {
        baseUrl: shop.url,
        backend,
        capabilities: shop.yard.adapter.capabilities,
        ordersStore: shop.backend.orders.description,
      },
      options.hooks,
    );
    keep = options.keepOpen === true;
    return report;
  } finally {
    if (!keep) await shop.close();
  }
}
