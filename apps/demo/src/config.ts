/**
 * The demo's settings: which backend, which port, and the short timings that
 * keep the scripted scenario under twenty seconds. Pure parsing, no I/O.
 */

/** The backends the demo can run on. */
export const BACKEND_NAMES = ['memory', 'bullmq', 'pgboss', 'sqs'] as const;
/** One backend name (`QUEUE_BACKEND`). */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Timings of the shop, short so the whole story plays out in seconds. */
export interface ShopTimings {
  /** First retry delay of a premium delivery (exponential, doubling). */
  deliveryBackoff: string;
  /** Delay of the payment reminder sent for an order paid by invoice. */
  reminderDelay: string;
  /** An order still unpaid this long after it was placed expires. */
  unpaidTtlMs: number;
  /** Cron of the expiry sweep (six fields: seconds first). */
  expiryCron: string;
  /** How often the scheduler looks for due schedules. */
  schedulerInterval: string;
}

/** The defaults used by `pnpm demo`, `pnpm demo:swap` and the tests. */
export const DEMO_TIMINGS: ShopTimings = {
  deliveryBackoff: '300ms',
  reminderDelay: '2s',
  unpaidTtlMs: 3000,
  expiryCron: '* * * * * *',
  schedulerInterval: '250ms',
};

/** Command-line and environment settings of `pnpm demo`. */
export interface DemoSettings {
  backend: BackendName;
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Keep serving (the shop and its dashboard) after the scripted scenario until Ctrl-C; `--no-serve` exits. */
  serve: boolean;
}

/** Reads `QUEUE_BACKEND`, `PORT`, `--port <n>`, `--backend <name>` and `--no-serve`. Throws on bad values. */
export function parseDemoSettings(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): DemoSettings {
  const flagValue = (flag: string) => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const backend = parseBackendName(flagValue('--backend') ?? env.QUEUE_BACKEND ?? 'memory');
  const portText = flagValue('--port') ?? env.PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`port must be an integer 0..65535, got ${JSON.stringify(portText)}`);
  }
  // Serving is the default (`--serve` is still accepted); scripts pass `--no-serve` to exit at once.
  return { backend, port, serve: !argv.includes('--no-serve') };
}

/** Checks a backend name. */
export function parseBackendName(name: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`QUEUE_BACKEND must be one of ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
}
