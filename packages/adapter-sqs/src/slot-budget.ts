/**
 * The slot arithmetic of one consumer (pure): how many jobs it may receive, screen, keep
 * waiting and claim, given its concurrency and what is on its way. Every counter changes
 * only through `nextCounts` (one event at a time), so each transition is a table-tested
 * function and the consumer's I/O code only reports what happened.
 *
 * Slots count jobs, and a message may stand for several jobs (see `jobsPerMessage`):
 * receives ask for as many messages as the free room holds at the jobs per message seen
 * so far. With concurrency ≥ 2 a consumer may receive ahead of its free slots (up to as many
 * jobs again as there are slots; with shared messages one full receive, at most 100 jobs).
 */

/** What does not change while a consumer runs. */
export interface SlotSettings {
  /** Most leases handed out at once. */
  concurrency: number;
  /** Whether jobs may be received beyond the free slots at all (not in FIFO mode, not at concurrency 1). */
  mayReceiveAhead: boolean;
  /** FIFO mode: one message per receive, so SQS's group lock (not our concurrency) orders a group. */
  fifo: boolean;
  /** The adapter's own `jobsPerMessage` (what a receive expects before it has seen any message). */
  jobsPerMessage: number;
}

/** The counters of one consumer. */
export interface SlotCounts {
  /** Jobs being claimed, claimed ahead (waiting for a slot) and leases handed out and not yet finished. */
  readonly active: number;
  /** Leases handed to `onLease` and not yet finished: never more than the concurrency. */
  readonly running: number;
  /** Running leases whose final settlement write is in flight: their slots are about to free. */
  readonly settling: number;
  /** Jobs of received messages being screened (their records read). */
  readonly screening: number;
  /** Screened jobs waiting for a slot. */
  readonly waiting: number;
  /** Jobs promised to short polls in flight (so two pollers never over-receive). */
  readonly requested: number;
  /** Jobs per received message, averaged: how many messages a receive asks for. */
  readonly jobsPerMessage: number;
  /**
   * Off once a message received ahead had to be given back (the slots are held by slow jobs),
   * until a slot frees: slow jobs then cost no receive-and-give-back cycles.
   */
  readonly receiveAhead: boolean;
}

/** Something that happened to the consumer's jobs; `nextCounts` turns it into new counters. */
export type SlotEvent =
  /** A short poll asks SQS for messages worth `jobs` jobs. */
  | { type: 'poll-started'; jobs: number }
  /** That short poll answered (or failed). */
  | { type: 'poll-ended'; jobs: number }
  /** A received message stands for `jobs` jobs (updates the running average). */
  | { type: 'message-seen'; jobs: number }
  /** Jobs of received messages start being screened. */
  | { type: 'screening-started'; jobs: number }
  /** Those jobs were screened: `waiting` of them now wait for a slot, the rest needed none. */
  | { type: 'screening-ended'; jobs: number; waiting: number }
  /** Jobs join the waiting list without a screen (a ticket handed back by a job that went back to the ready index). */
  | { type: 'waiting-added'; jobs: number }
  /** Waiting jobs left the list without a claim (given back, lost, or the consumer stopped). */
  | { type: 'waiting-dropped'; jobs: number }
  /** A message received ahead went back unclaimed: stop receiving ahead until a slot frees. */
  | { type: 'received-too-far-ahead' }
  /** Waiting jobs are being claimed (each holds a slot from now on). */
  | { type: 'claim-started'; jobs: number }
  /** A job that was being claimed needs no slot after all (nothing to run, or its claim failed). */
  | { type: 'claim-dropped' }
  /** A lease is handed to `onLease`. */
  | { type: 'handed-out' }
  /** A lease's final write started / ended (its slot is as good as free meanwhile). */
  | { type: 'settling-started' }
  | { type: 'settling-ended' }
  /** A lease handed out is finished with: its slot frees. */
  | { type: 'lease-finished' }
  /** A lease claimed ahead goes back unstarted (the consumer stopped): its slot frees. */
  | { type: 'unclaimed' };

/** The counters of a consumer that has done nothing yet. */
export function initialCounts(settings: SlotSettings): SlotCounts {
  return {
    active: 0,
    running: 0,
    settling: 0,
    screening: 0,
    waiting: 0,
    requested: 0,
    jobsPerMessage: settings.jobsPerMessage,
    receiveAhead: true,
  };
}

/** The counters after `event`. */
export function nextCounts(counts: SlotCounts, event: SlotEvent): SlotCounts {
  switch (event.type) {
    case 'poll-started':
      return { ...counts, requested: counts.requested + event.jobs };
    case 'poll-ended':
      return { ...counts, requested: counts.requested - event.jobs };
    case 'message-seen':
      // A short moving average: a consumer adapts to what producers send within a few messages.
      return { ...counts, jobsPerMessage: counts.jobsPerMessage + (event.jobs - counts.jobsPerMessage) / 4 };
    case 'screening-started':
      return { ...counts, screening: counts.screening + event.jobs };
    case 'screening-ended':
      return {
        ...counts,
        screening: counts.screening - event.jobs,
        waiting: counts.waiting + event.waiting,
      };
    case 'waiting-added':
      return { ...counts, waiting: counts.waiting + event.jobs };
    case 'waiting-dropped':
      return { ...counts, waiting: counts.waiting - event.jobs };
    case 'received-too-far-ahead':
      return { ...counts, receiveAhead: false };
    case 'claim-started':
      return { ...counts, waiting: counts.waiting - event.jobs, active: counts.active + event.jobs };
    case 'claim-dropped':
      // A slot frees: receiving ahead may resume.
      return { ...counts, active: counts.active - 1, receiveAhead: true };
    case 'unclaimed':
      // Only while stopping: nothing more will be received.
      return { ...counts, active: counts.active - 1 };
    case 'handed-out':
      return { ...counts, running: counts.running + 1 };
    case 'settling-started':
      return { ...counts, settling: counts.settling + 1 };
    case 'settling-ended':
      return { ...counts, settling: counts.settling - 1 };
    case 'lease-finished':
      return { ...counts, running: counts.running - 1, active: counts.active - 1, receiveAhead: true };
  }
}

/** Jobs that may be claimed now: free slots, plus the slots whose lease is settling. */
export function freeSlots(settings: SlotSettings, counts: SlotCounts): number {
  return settings.concurrency + counts.settling - counts.active;
}

/** True when a claimed lease may start now (a slot is free), false when it must wait for one. */
export function mayHandOut(settings: SlotSettings, counts: SlotCounts): boolean {
  return counts.running < settings.concurrency;
}

/** True while messages (as received so far) stand for several jobs each. */
function sharedMessages(counts: SlotCounts): boolean {
  return counts.jobsPerMessage >= 1.5;
}

/**
 * Jobs that may be received beyond the free slots: as many as the slots; with shared messages
 * (as received so far) room for one full receive of 10 of them, at most 100 jobs.
 */
export function prefetch(settings: SlotSettings, counts: SlotCounts): number {
  if (!settings.mayReceiveAhead) return 0;
  const shared = sharedMessages(counts) ? Math.min(100, Math.round(10 * counts.jobsPerMessage)) : 0;
  return Math.max(settings.concurrency, shared);
}

/** Slots plus what may be received ahead right now. */
function capacity(settings: SlotSettings, counts: SlotCounts): number {
  return settings.concurrency + (counts.receiveAhead ? prefetch(settings, counts) : 0);
}

/** How many more jobs may be received now: the capacity, less what is on its way or held. */
export function room(settings: SlotSettings, counts: SlotCounts): number {
  return capacity(settings, counts) - counts.active - counts.requested - counts.screening - counts.waiting;
}

/**
 * Whether a receive is worth making. Messages of one job: any room. Shared messages: room for half
 * the capacity, so they come several per call rather than one each time a message's jobs finish.
 */
export function roomForAMessage(settings: SlotSettings, counts: SlotCounts): boolean {
  const wanted = sharedMessages(counts) ? Math.max(1, Math.floor(capacity(settings, counts) / 2)) : 1;
  return room(settings, counts) >= wanted;
}

/** Messages a receive asks for (1..10): as many as the room holds at the jobs per message seen so far. */
export function messagesToAskFor(settings: SlotSettings, counts: SlotCounts): number {
  if (settings.fifo) return 1;
  return Math.min(10, Math.max(1, Math.floor(room(settings, counts) / counts.jobsPerMessage)));
}

/** Jobs a short poll for `messages` messages is counted as (held while it is in flight). */
export function jobsPromised(messages: number, counts: SlotCounts): number {
  return Math.max(1, Math.round(messages * counts.jobsPerMessage));
}

/** Most pollers per consumer. */
export const MAX_POLLERS = 4;

/**
 * Pollers of a consumer: one per 10 messages' worth of slots and prefetch, at most 4. FIFO
 * receives one message per call, so there more pollers mean more groups in parallel.
 */
export function pollerCount(settings: SlotSettings, counts: SlotCounts): number {
  const perPoller = settings.fifo ? 1 : 10 * settings.jobsPerMessage;
  const wanted = Math.ceil((settings.concurrency + prefetch(settings, counts)) / perPoller);
  return Math.max(1, Math.min(MAX_POLLERS, wanted));
}

/**
 * How many jobs of received messages a dispatch may take (none once stopped). A message is taken
 * while any of this room is left, so the last one taken may stand for more jobs than remain.
 */
export function dispatchRoom(settings: SlotSettings, counts: SlotCounts, stopped: boolean): number {
  return stopped ? 0 : Math.max(0, room(settings, counts));
}

/** The counters of one consumer and its settings, changed only through `apply` (the one mutable part). */
export class SlotLedger {
  private current: SlotCounts;

  constructor(readonly settings: SlotSettings) {
    this.current = initialCounts(settings);
  }

  /** The counters now. */
  get counts(): SlotCounts {
    return this.current;
  }

  /** Records `event`. */
  apply(event: SlotEvent): void {
    this.current = nextCounts(this.current, event);
  }

  freeSlots(): number {
    return freeSlots(this.settings, this.current);
  }

  mayHandOut(): boolean {
    return mayHandOut(this.settings, this.current);
  }

  room(): number {
    return room(this.settings, this.current);
  }

  roomForAMessage(): boolean {
    return roomForAMessage(this.settings, this.current);
  }

  messagesToAskFor(): number {
    return messagesToAskFor(this.settings, this.current);
  }

  jobsPromised(messages: number): number {
    return jobsPromised(messages, this.current);
  }

  pollerCount(): number {
    return pollerCount(this.settings, this.current);
  }

  dispatchRoom(stopped: boolean): number {
    return dispatchRoom(this.settings, this.current, stopped);
  }
}
