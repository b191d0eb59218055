/**
 * One `consume` call: the receive loops (`receive-loop.ts`) bring messages, the ready list
 * (`ready-list.ts`) screens their jobs and claims them as slots free, the settle path
 * (`settle-path.ts`) hands leases out and frees their slots. What a message means depends on
 * the ordering: tickets (strict, `ticket-delivery.ts`, with the sweep of `ticket-sweep.ts`) or
 * named doorbells (FIFO mode, `named-delivery.ts`). How many jobs may be received,
 * waiting or claimed is the slot budget's arithmetic (`slot-budget.ts`, pure); this file only
 * wires the parts together and stops them.
 *
 * With concurrency ≥ 2 up to as many jobs again as there are slots (with shared messages: one
 * full receive, at most 100 jobs) may be received ahead, so receiving and reading overlap the
 * running jobs; concurrency 1 receives nothing ahead (priority stays strict, up to the jobs of
 * one message). Never more leases are handed out than free slots.
 */
import type { ConsumeOptions, Consumer, Lease } from '@switchyard/core';
import type { DeliveryMode, WaitingItem } from './delivery-mode.js';
import { NamedDelivery } from './named-delivery.js';
import { ReadyList } from './ready-list.js';
import { ReceiveLoop } from './receive-loop.js';
import type { AdapterRuntime } from './runtime.js';
import { SettlePath } from './settle-path.js';
import { SlotLedger } from './slot-budget.js';
import { type Ticket, TicketDelivery } from './ticket-delivery.js';
import { TicketSweep } from './ticket-sweep.js';
import { WakeSignals } from './wake-signals.js';

/** A running consumer; `finished` settles when its pollers and every poll they started are done. */
export class SqsConsumer implements Consumer {
  readonly finished: Promise<void>;
  private isStopped = false;
  private readonly handoffs = new Set<Promise<void>>();
  private readonly signals = new WakeSignals();
  private readonly ledger: SlotLedger;
  private readonly receiveLoop: ReceiveLoop;
  private readonly readyList: ReadyList<WaitingItem>;
  private readonly mode: DeliveryMode<WaitingItem>;
  private readonly settlePath: SettlePath;
  private readonly sweep: TicketSweep | null = null;

  constructor(
    runtime: AdapterRuntime,
    queues: string[],
    options: ConsumeOptions,
    onLease: (lease: Lease) => Promise<void>,
  ) {
    const fifo = runtime.options.fifo !== null;
    this.ledger = new SlotLedger({
      concurrency: options.concurrency,
      mayReceiveAhead: !fifo && options.concurrency >= 2,
      fifo,
      jobsPerMessage: runtime.options.jobsPerMessage,
    });
    const stopped = (): boolean => this.isStopped;
    const track = (work: Promise<void>): void => this.track(work);
    const { ledger, signals } = this;
    this.settlePath = new SettlePath({
      runtime,
      ledger,
      onLease,
      stopped,
      track,
      slotFreed: () => {
        this.readyList.schedulePump();
        signals.nudge();
      },
      claimSoon: () => this.readyList.schedulePump(),
    });
    this.receiveLoop = new ReceiveLoop({
      runtime,
      queues,
      leaseDurationMs: options.leaseDurationMs,
      ledger,
      signals,
      stopped,
      onMessages: (target, messages, visibility) => this.readyList.dispatch(target, messages, visibility),
    });
    this.mode =
      runtime.options.ordering === 'strict'
        ? new TicketDelivery(runtime, options.leaseDurationMs, track, (ticket: Ticket) =>
            this.readyList.add(ticket),
          )
        : new NamedDelivery(runtime, options.leaseDurationMs, (since) => this.receiveLoop.pauseFlags(since));
    this.readyList = new ReadyList(
      {
        runtime,
        leaseDurationMs: options.leaseDurationMs,
        ledger,
        settlePath: this.settlePath,
        stopped,
        track,
        nudge: () => signals.nudge(),
      },
      this.mode,
    );
    if (runtime.options.ordering === 'strict') {
      this.sweep = new TicketSweep({
        runtime,
        queues,
        starving: (queue) => ledger.freeSlots() > 0 && this.readyList.waitingFor(queue) === 0,
      });
      this.sweep.start();
    }
    this.finished = this.run();
  }

  /** Stops taking jobs; resolves once no further `onLease` call will be made. */
  async stop(): Promise<void> {
    this.isStopped = true;
    this.mode.stop?.();
    this.readyList.pump();
    this.settlePath.stop();
    this.signals.nudge();
    await Promise.all([this.sweep?.stop(), this.settled()]);
  }

  private async run(): Promise<void> {
    await this.receiveLoop.run();
    await this.settled();
    this.readyList.pump();
  }

  private async settled(): Promise<void> {
    while (this.handoffs.size > 0) await Promise.all([...this.handoffs]);
  }

  private track(work: Promise<void>): void {
    this.handoffs.add(work);
    void work.finally(() => this.handoffs.delete(work));
  }
}
