/**
 * Waits for the machine to be quiet before a round, and says how busy it was. A full run
 * lasts most of an hour; a vacuum after the pg-boss backlog, a build or a test run started
 * alongside takes one of the two cores and turns a ratio into noise. The bench cannot stop
 * them, but it can wait them out and report a round that started on a busy machine.
 */
import { readFile } from 'node:fs/promises';

/** CPU time of the whole machine, in clock ticks since boot. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** Above this share of all cores busy, the machine is not quiet. */
export const BUSY_THRESHOLD = 0.2;
const SAMPLE_MS = 500;
const MAX_WAIT_MS = 120_000;

/** Pure: the machine's CPU times from the text of `/proc/stat` (its aggregate `cpu` line). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((row) => row.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat has no aggregate "cpu" line');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((value) => !Number.isFinite(value)))
    throw new Error(`/proc/stat "cpu" line is malformed: ${line}`);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Pure: the share of all cores busy between two readings (0 when no time passed). */
export function busyShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

/** What the wait found before a round: how busy the machine was when it went ahead, and how long it waited. */
export interface Quietness {
  busyShare: number;
  waitedMs: number;
}

/**
 * Samples the machine for half a second at a time until it is below the threshold (or two minutes
 * passed). Undefined where there is no `/proc/stat` (not Linux): the run goes ahead unchecked.
 */
export async function waitForQuiet(onWait: (share: number) => void): Promise<Quietness | undefined> {
  const started = performance.now();
  for (;;) {
    const before = await readCpuTimes();
    if (before === undefined) return undefined;
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    const after = await readCpuTimes();
    if (after === undefined) return undefined;
    const share = busyShare(before, after);
    const waitedMs = performance.now() - started - SAMPLE_MS;
    if (share <= BUSY_THRESHOLD || waitedMs >= MAX_WAIT_MS) return { busyShare: share, waitedMs };
    onWait(share);
  }
}

async function readCpuTimes(): Promise<CpuTimes | undefined> {
  try {
    return parseProcStat(await readFile('/proc/stat', 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Pure: the busiest of a scenario's rounds and the total wait, or undefined when nothing was measured. */
export function busiestRound(readings: Array<Quietness | undefined>): Quietness | undefined {
  const measured = readings.filter((reading): reading is Quietness => reading !== undefined);
  if (measured.length === 0) return undefined;
  return {
    busyShare: Math.max(...measured.map((reading) => reading.busyShare)),
    waitedMs: measured.reduce((sum, reading) => sum + reading.waitedMs, 0),
  };
}
