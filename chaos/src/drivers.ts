/**
 * The faults of each kind of scenario. A driver starts the worker processes, enqueues, causes
 * its faults and says which jobs were acknowledged and when the last fault ended; the runner
 * (run-scenario.ts) drains and judges.
 */
import type { Switchyard } from '@switchyard/core';
import type { ChaosBackend } from './backends/types.ts';
import type { Fleet, FleetChild } from './fleet.ts';
import { enqueueAll, steadyProducer } from './producer.ts';
import type { ConnectionKills, KillLoop, Malformed, Outage, Zombies } from './scenarios.ts';
import { CHAOS_QUEUE } from './task.ts';
import type { Fault } from './verdict.ts';

/** What a driver works with. */
export interface DriverContext {
  backend: ChaosBackend;
  prefix: string;
  fleet: Fleet;
  /** Enqueues (through the proxies in the outage scenarios). */
  producer: Switchyard;
  /** Reads the backend straight (never through a proxy). */
  reader: Switchyard;
  /** Cuts and restores every proxy (outage scenarios only). */
  outage?: { cut(): Promise<void>; restore(): Promise<void> };
  progress(line: string): void;
}

/** What a driver hands back. */
export interface DriverOutcome {
  acknowledged: string[];
  faults: Fault[];
  /** When the last fault ended (the drain is timed from here). */
  lastFaultAt: number;
  /** Scenario-specific figures, for the notes column. */
  figures: Record<string, number>;
  notes: string[];
  /** Jobs frozen processes held (zombies). */
  held?: Array<{ jobId: string; attempt: number; pid: number; frozenAt: number }>;
}

/** Longest a fault loop runs, whatever is left. */
const MAX_FAULT_LOOP_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True once every one of `total` jobs of the run completed (a failing read counts as not yet). */
async function allCompleted(reader: Switchyard, total: number): Promise<boolean> {
  try {
    return (await reader.jobs.counts({ queue: CHAOS_QUEUE })).completed >= total;
  } catch {
    return false;
  }
}

function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

/** Keeps replacement processes from failing unseen; they are awaited before the drain. */
function replace(fleet: Fleet, spawning: Set<Promise<unknown>>): void {
  const started = fleet.spawn().catch((error: unknown) => error);
  spawning.add(started);
  void started.finally(() => spawning.delete(started));
}

export async function killLoop(context: DriverContext, spec: KillLoop): Promise<DriverOutcome> {
  const { fleet, producer, reader } = context;
  await fleet.grow(spec.workers);
  const acknowledged = await enqueueAll(producer, spec.jobs);
  const faults: Fault[] = [];
  const spawning = new Set<Promise<unknown>>();
  const started = Date.now();
  while (Date.now() - started < (spec.maxFaultMs ?? MAX_FAULT_LOOP_MS)) {
    await sleep(spec.intervalMs);
    if (await allCompleted(reader, spec.jobs)) break;
    const victim = pick(fleet.children);
    if (!victim) continue;
    faults.push({ kind: 'kill', at: Date.now(), children: [victim.number] });
    await fleet.kill(victim);
    replace(fleet, spawning);
  }
  await Promise.all([...spawning]);
  if (fleet.children.length === 0) await fleet.grow(1);
  context.progress(`${faults.length} worker processes SIGKILLed`);
  return {
    acknowledged,
    faults,
    lastFaultAt: faults.at(-1)?.at ?? Date.now(),
    figures: { kills: faults.length },
    notes: [`${faults.length} SIGKILLs`],
  };
}

export async function connectionKills(context: DriverContext, spec: ConnectionKills): Promise<DriverOutcome> {
  const { backend, fleet, producer, reader, prefix } = context;
  await fleet.grow(spec.workers);
  const acknowledged = await enqueueAll(producer, spec.jobs);
  const faults: Fault[] = [];
  let killed = 0;
  const started = Date.now();
  while (Date.now() - started < (spec.maxFaultMs ?? MAX_FAULT_LOOP_MS)) {
    await sleep(spec.intervalMs);
    if (await allCompleted(reader, spec.jobs)) break;
    const at = Date.now();
    const count = await backend.killConnections(prefix);
    if (count > 0) {
      killed += count;
      faults.push({ kind: 'connection-kill', at });
    }
  }
  context.progress(`${faults.length} rounds of connection kills, ${killed} connections`);
  return {
    acknowledged,
    faults,
    lastFaultAt: faults.at(-1)?.at ?? Date.now(),
    figures: { rounds: faults.length, connections: killed },
    notes: [`${faults.length} rounds, ${killed} connections killed`],
  };
}

export async function outage(context: DriverContext, spec: Outage): Promise<DriverOutcome> {
  const { fleet, producer } = context;
  if (!context.outage) throw new Error('the outage scenario needs proxies');
  await fleet.grow(spec.workers);
  const steady = steadyProducer(producer, spec.perSecond);
  await sleep(spec.aroundMs);
  const cutAt = Date.now();
  await context.outage.cut();
  await sleep(spec.outageMs);
  await context.outage.restore();
  const restoredAt = Date.now();
  await sleep(spec.aroundMs);
  await steady.stop();
  const during = steady.attempts.filter((attempt) => attempt.at >= cutAt && attempt.at < restoredAt);
  const refused = during.filter((attempt) => attempt.outcome === 'refused');
  const spooled = steady.attempts.filter((attempt) => attempt.outcome === 'spooled');
  const bound = spec.backendTimeoutMs + 1000;
  // Each call during the outage must end within the bound: refused, or stored once the backend is back.
  const overBound = during.filter((attempt) => attempt.ms > bound).length;
  const storedWhileCut = during.filter(
    (attempt) => attempt.outcome === 'stored' && attempt.at + attempt.ms < restoredAt,
  ).length;
  const maxDuringMs = Math.max(0, ...during.map((attempt) => attempt.ms));
  const outageLines = (kind: 'down' | 'up') => fleet.logs.filter((line) => line.outage === kind).length;
  const loudLines = fleet.logs.filter(
    (line) => line.outage === undefined && line.at >= cutAt && line.at < restoredAt + spec.leaseMs,
  );
  const loud = loudLines.length;
  for (const line of loudLines)
    context.progress(`worker ${line.child} warned during the outage: ${line.level} ${line.msg}`);
  for (const line of fleet.logs.filter((logged) => logged.outage !== undefined)) {
    const after = `${line.at - cutAt} ms after the cut (the outage lasted ${restoredAt - cutAt} ms)`;
    context.progress(`worker ${line.child}, ${after}: ${line.outage} ${line.msg}`);
  }
  const figures = {
    enqueuesDuringOutage: during.length,
    refusedDuringOutage: refused.length,
    overBound,
    storedWhileCut,
    maxEnqueueMsDuringOutage: maxDuringMs,
    spooled: spooled.length,
    outageDownLines: outageLines('down'),
    outageUpLines: outageLines('up'),
    otherWarnLines: loud,
  };
  const notes = [
    spec.spool
      ? `${during.length} enqueues during the outage: ${refused.length} refused, ${spooled.length} spooled (slowest ${maxDuringMs} ms)`
      : `${during.length} enqueues during the outage: ${refused.length} refused, ${during.length - refused.length} stored after the restore, ${overBound} took longer than backendTimeout + 1 s (slowest ${maxDuringMs} ms)`,
    `${spec.workers} workers logged ${figures.outageDownLines} outage and ${figures.outageUpLines} recovery lines, ${loud} other warnings`,
  ];
  context.progress(notes.join('; '));
  return {
    acknowledged: steady.attempts.flatMap((attempt) => (attempt.id ? [attempt.id] : [])),
    faults: [{ kind: 'outage', at: cutAt }],
    lastFaultAt: restoredAt,
    figures,
    notes,
  };
}

/** A worker process running at least one job, if any. */
function busyChild(fleet: Fleet): FleetChild | undefined {
  const now = Date.now();
  return pick(fleet.children.filter((child) => child.running(now).length > 0));
}

export async function zombies(context: DriverContext, spec: Zombies): Promise<DriverOutcome> {
  const { fleet, producer } = context;
  await fleet.grow(spec.workers);
  const acknowledged = await enqueueAll(producer, spec.jobs);
  const faults: Fault[] = [];
  const held: NonNullable<DriverOutcome['held']> = [];
  let lastFaultAt = Date.now();
  for (let freeze = 0; freeze < spec.freezes; freeze++) {
    let zombie = busyChild(fleet);
    const waitUntil = Date.now() + 10_000;
    while (!zombie && Date.now() < waitUntil) {
      await sleep(20);
      zombie = busyChild(fleet);
    }
    if (!zombie) break;
    const frozenAt = Date.now();
    fleet.freeze(zombie);
    const pid = zombie.process.pid!;
    for (const run of zombie.running(frozenAt))
      held.push({ jobId: run.jobId, attempt: run.attempt, pid, frozenAt });
    faults.push({ kind: 'freeze', at: frozenAt, children: [zombie.number] });
    // Past its lease, so its jobs are redelivered and run elsewhere; then it wakes up.
    await sleep(spec.leaseMs * 2.5);
    fleet.thaw(zombie);
    lastFaultAt = Date.now();
    if (freeze < spec.freezes - 1) await sleep(spec.leaseMs);
  }
  context.progress(`${faults.length} freezes, ${held.length} jobs held by zombies`);
  return {
    acknowledged,
    faults,
    lastFaultAt,
    figures: { freezes: faults.length, heldByZombies: held.length },
    notes: [`${faults.length} freezes of ${spec.leaseMs * 2.5} ms holding ${held.length} jobs`],
    held,
  };
}

export async function malformed(context: DriverContext, spec: Malformed): Promise<DriverOutcome> {
  const { backend, fleet, producer, prefix } = context;
  const acknowledged = await enqueueAll(producer, spec.jobs);
  const written = await backend.writeMalformed(prefix, CHAOS_QUEUE, spec.malformed);
  const writtenAt = Date.now();
  await fleet.grow(spec.workers);
  const kinds = Object.entries(written)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  context.progress(`malformed entries: ${kinds}`);
  return {
    acknowledged,
    faults: [],
    lastFaultAt: writtenAt,
    figures: { malformed: spec.malformed },
    notes: [`${spec.malformed} malformed (${kinds})`],
  };
}
