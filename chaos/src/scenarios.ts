/** The chaos scenarios and their sizes: the full run (`pnpm chaos`) and the quick one (`--quick`, the test). */

/** Settings shared by every kind of scenario. */
interface Common {
  /** Worker processes. */
  workers: number;
  /** Jobs at once per worker process. */
  concurrency: number;
  /** Lease of the workers; a killed process's jobs come back after it. */
  leaseMs: number;
  /** A handler sleeps a random time in this range. */
  jobMs: [number, number];
  /** Longest wait after the last fault for every acknowledged job to complete. */
  drainTimeoutMs: number;
}

/** SIGKILL a random worker process every `intervalMs` (and start a new one) while jobs remain. */
export interface KillLoop extends Common {
  kind: 'kill-loop';
  jobs: number;
  intervalMs: number;
  /** Stop the faults after this long even if jobs remain (default: while jobs remain, at most 10 min). */
  maxFaultMs?: number;
}

/** Kill the workers' own connections on the server (CLIENT KILL / pg_terminate_backend) every `intervalMs`. */
export interface ConnectionKills extends Common {
  kind: 'connection-kills';
  jobs: number;
  intervalMs: number;
  /** Stop the faults after this long even if jobs remain (default: while jobs remain, at most 10 min). */
  maxFaultMs?: number;
}

/** Cut every backend service (through proxies) for `outageMs` while a producer enqueues steadily. */
export interface Outage extends Common {
  kind: 'outage';
  spool: boolean;
  outageMs: number;
  /** Steady producing before and after the outage. */
  aroundMs: number;
  perSecond: number;
  /** The producer's `backendTimeout`. */
  backendTimeoutMs: number;
}

/** Freeze a worker process that holds jobs (SIGSTOP) past its lease, `freezes` times, then wake it. */
export interface Zombies extends Common {
  kind: 'zombies';
  jobs: number;
  freezes: number;
}

/** Write malformed entries straight into the backend, then run good jobs beside them. */
export interface Malformed extends Common {
  kind: 'malformed';
  jobs: number;
  malformed: number;
}

export type ScenarioSpec = (KillLoop | ConnectionKills | Outage | Zombies | Malformed) & { name: string };

const base: Common = {
  workers: 3,
  concurrency: 16,
  leaseMs: 3000,
  jobMs: [5, 40],
  drainTimeoutMs: 120_000,
};

/** The full run: what docs/reliability.md reports. */
export const FULL: ScenarioSpec[] = [
  { ...base, name: 'kill loop, every 2 s', kind: 'kill-loop', jobs: 20_000, intervalMs: 2000 },
  { ...base, name: 'kill loop, every 0.5 s', kind: 'kill-loop', jobs: 10_000, intervalMs: 500 },
  {
    ...base,
    name: 'server-side connection kills, every 1 s',
    kind: 'connection-kills',
    jobs: 10_000,
    intervalMs: 1000,
  },
  {
    ...base,
    name: '30 s outage, no spool',
    kind: 'outage',
    spool: false,
    outageMs: 30_000,
    aroundMs: 3000,
    perSecond: 50,
    backendTimeoutMs: 2000,
  },
  {
    ...base,
    name: '30 s outage, with the spool',
    kind: 'outage',
    spool: true,
    outageMs: 30_000,
    aroundMs: 3000,
    perSecond: 50,
    backendTimeoutMs: 2000,
  },
  { ...base, name: 'SIGSTOP zombies', kind: 'zombies', jobs: 3000, freezes: 3, jobMs: [50, 300] },
  { ...base, name: '1,000 malformed entries', kind: 'malformed', jobs: 2000, malformed: 1000 },
];

const quickBase: Common = { ...base, workers: 2, concurrency: 8, drainTimeoutMs: 40_000 };

/** The quick run: part of `pnpm test` (the `chaos` vitest project). */
export const QUICK: ScenarioSpec[] = [
  {
    ...quickBase,
    name: 'kill loop, every 0.5 s for 3 s',
    kind: 'kill-loop',
    jobs: 600,
    intervalMs: 500,
    maxFaultMs: 3000,
    jobMs: [10, 60],
  },
  {
    ...quickBase,
    name: 'server-side connection kills, every 0.5 s for 3 s',
    kind: 'connection-kills',
    jobs: 600,
    intervalMs: 500,
    maxFaultMs: 3000,
  },
  {
    ...quickBase,
    name: '3 s outage, with the spool',
    kind: 'outage',
    spool: true,
    outageMs: 3000,
    aroundMs: 1000,
    perSecond: 25,
    backendTimeoutMs: 1000,
  },
  {
    ...quickBase,
    name: 'SIGSTOP zombie',
    kind: 'zombies',
    jobs: 300,
    freezes: 1,
    leaseMs: 2000,
    jobMs: [50, 300],
  },
  { ...quickBase, name: '100 malformed entries', kind: 'malformed', jobs: 200, malformed: 100 },
];
