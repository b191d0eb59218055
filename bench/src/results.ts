/** The data a run produces, as written to `bench/results/<timestamp>.json`. */
import type { MachineInfo } from './machine.ts';
import type { MetricSpec, NotRun } from './section.ts';
import type { Summary } from './stats.ts';

/** One contender's figures in one scenario. */
export interface ContenderResult {
  name: string;
  role: 'switchyard' | 'peer';
  settings?: Record<string, unknown>;
  /** Metric key → median and spread over the rounds. */
  summaries: Record<string, Summary>;
}

/** One scenario, every contender side by side. */
export interface ScenarioResult {
  id: string;
  title: string;
  settings: Record<string, unknown>;
  metrics: MetricSpec[];
  rounds: number;
  contenders: ContenderResult[];
  notRun: NotRun[];
  /**
   * How busy the machine was when its runs started (the busiest, after waiting up to two minutes for
   * it to settle), and how long the bench waited in all. Absent where the OS does not tell (not Linux).
   */
  background?: { busiestPercent: number; waitedMs: number };
}

/** One backend's section. */
export interface SectionResult {
  name: string;
  peers: string[];
  /** Set when the whole section did not run (server unreachable, adapter not built...). */
  notRun?: string;
  environment?: Record<string, string>;
  scenarios: ScenarioResult[];
}

/** A figure the issues require. */
export interface TargetResult {
  id: string;
  description: string;
  section: string;
  scenario: string;
  metric: string;
  status: 'met' | 'missed' | 'not run';
  /** The value compared (a Switchyard figure, or a Switchyard ÷ peer ratio). */
  measured?: number;
  /** Lowest and highest value of that figure over the rounds (per-round ratios for a ratio). */
  range?: [number, number];
  /**
   * Set when some rounds meet the target and others miss it: the verdict rests on the median alone and
   * another run on the same machine may well flip it.
   */
  spreadCrosses?: boolean;
  /** Set when a run of the scenario started on a busy machine (after the bench waited for it): how busy. */
  busyMachinePercent?: number;
  /** Why it was not run. */
  reason?: string;
}

/** The whole run. */
export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  rounds: number;
  command: string;
  machine: MachineInfo;
  sections: SectionResult[];
  targets: TargetResult[];
}
