/**
 * The shapes the runner works with. A section (memory, bullmq, pgboss, sqs)
 * offers scenarios; each scenario has contenders (Switchyard and its raw peers)
 * that the runner calls alternately, round after round.
 */

/** Whether a bigger or a smaller number is the better one. */
export type Better = 'higher' | 'lower';

/** One number a scenario reports, e.g. jobs/s or the p95 latency. */
export interface MetricSpec {
  /** Key in a `Sample`. */
  key: string;
  /** Human label for the table, e.g. 'jobs/s' or 'p95 ms'. */
  label: string;
  better: Better;
}

/** What one run of one contender measured: metric key → value. */
export type Sample = Record<string, number>;

/** Switchyard or a raw peer, doing the same work. */
export interface Contender {
  /** 'switchyard' for the system under test; the peer's library name otherwise. */
  name: string;
  role: 'switchyard' | 'peer';
  /** Runs the scenario once, from a fresh state, and returns what it measured (absent when the scenario has `runTogether`). */
  run?(): Promise<Sample>;
  /** Settings that change this contender's numbers (concurrency, polling interval, batch size...). */
  settings?: Record<string, unknown>;
}

/** A contender that could not run, and why (shown in the table). */
export interface NotRun {
  name: string;
  reason: string;
}

/** One benchmark scenario with everything needed to run and report it. */
export interface Scenario {
  /** Stable id, e.g. 'throughput-c100'. */
  id: string;
  title: string;
  /** Settings shared by every contender (job count, concurrency, batch size...). */
  settings: Record<string, unknown>;
  metrics: MetricSpec[];
  contenders: Contender[];
  notRun?: NotRun[];
  /** Override the run's round count (e.g. one child-process RSS measurement is enough). */
  rounds?: number;
  /**
   * For a script that alternates its contenders itself: runs every round of
   * every contender in one go and returns contender name → one sample per round.
   */
  runTogether?(rounds: number): Promise<Record<string, Sample[]>>;
}

/** Run-wide options, from the command line. */
export interface BenchOptions {
  quick: boolean;
  rounds: number;
}

/** A backend's group of scenarios. */
export interface Section {
  /** 'memory' | 'bullmq' | 'pgboss' | 'sqs'. */
  name: string;
  /** Display names of the peers, in column order. */
  peers: string[];
  /** Resolves to undefined when the section can run, or to the reason it cannot (server unreachable...). */
  availability(): Promise<string | undefined>;
  scenarios(options: BenchOptions): Promise<Scenario[]>;
  /** Server versions and connection settings to record beside the numbers (e.g. Redis 7.2). */
  environment?(): Promise<Record<string, string>>;
  /** Stops what the section started for its scenarios (an emulator), so the run can end. */
  close?(): Promise<void>;
}
