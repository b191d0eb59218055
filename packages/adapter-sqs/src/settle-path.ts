/**
 * From claim to freed slot: claimed jobs become leases handed to `onLease` (never more than
 * the concurrency), and each lease's slot frees when it is finished with.
 *
 * Claiming ahead: while a running lease's final write is in flight, its slot is as good as free,
 * so one more job is claimed then and handed out the moment the slot frees; a slot waits for one
 * store round trip per job (the settlement), not two. A job claimed ahead when the consumer stops
 * goes back unstarted (pending, attempt not counted).
 */
import type { Lease } from '@switchyard/core';
import type { SqsLease } from './lease.js';
import type { AdapterRuntime } from './runtime.js';
import type { SlotLedger } from './slot-budget.js';

/** What the settle path needs from its consumer. */
export interface SettlePathHost {
  readonly runtime: AdapterRuntime;
  readonly ledger: SlotLedger;
  readonly onLease: (lease: Lease) => Promise<void>;
  stopped(): boolean;
  /** Keeps `work` in the set `stop()` and the consumer's end wait for. */
  track(work: Promise<void>): void;
  /** A slot freed: hand it to the next waiting job and wake the receive loops. */
  slotFreed(): void;
  /** A settling slot may take a job now (one claim for all freed in this turn). */
  claimSoon(): void;
}

/** Leases from their claim to the end of their slot. */
export class SettlePath {
  /** Leases claimed while slots were settling, handed out as those slots free. */
  private readonly claimedAhead: SqsLease[] = [];

  constructor(private readonly host: SettlePathHost) {}

  /** Claimed jobs (or null where a claim needed no slot after all) take their slots. */
  place(leases: Array<SqsLease | null>): void {
    const { ledger } = this.host;
    for (const lease of leases) {
      if (!lease) this.claimDropped();
      else if (ledger.mayHandOut()) this.handOut(lease);
      else if (this.host.stopped()) this.host.track(this.unclaim(lease));
      else this.claimedAhead.push(lease);
    }
  }

  /** Stopping: every lease claimed ahead goes back unstarted. */
  stop(): void {
    for (const lease of this.claimedAhead.splice(0)) this.host.track(this.unclaim(lease));
  }

  /** Calls `onLease` in a free slot; the slot frees when the lease is finished with. */
  private handOut(lease: SqsLease): void {
    const { ledger } = this.host;
    ledger.apply({ type: 'handed-out' });
    if (ledger.settings.mayReceiveAhead) lease.watchSettlement(this.settlementWatcher);
    void this.host.onLease(lease).finally(() => this.leaseFinished());
  }

  /**
   * While a lease's final write is in flight its slot is as good as free: one more job may be
   * claimed ahead, so the claim's store round trip overlaps the settlement's instead of following it.
   */
  private readonly settlementWatcher = {
    begin: (): void => {
      this.host.ledger.apply({ type: 'settling-started' });
      this.host.claimSoon();
    },
    end: (): void => {
      this.host.ledger.apply({ type: 'settling-ended' });
    },
  };

  /** A lease claimed ahead that will not run here (stopping): the job goes back unstarted. */
  private async unclaim(lease: SqsLease): Promise<void> {
    try {
      await lease.giveBackUnstarted();
    } catch (error) {
      this.host.runtime.logger.warn(
        { err: error, jobId: lease.job.id },
        'sqs: giving back a job claimed ahead failed; its message reappears after its visibility timeout',
      );
    } finally {
      this.host.ledger.apply({ type: 'unclaimed' });
    }
  }

  /** A lease is finished with: its slot goes to a lease claimed ahead, if any, else to a waiting job. */
  private leaseFinished(): void {
    this.host.ledger.apply({ type: 'lease-finished' });
    const next = this.claimedAhead.shift();
    if (next) this.handOut(next);
    this.host.slotFreed();
  }

  /** One claimed (or being claimed) job fewer: room for the next. */
  private claimDropped(): void {
    this.host.ledger.apply({ type: 'claim-dropped' });
    this.host.slotFreed();
  }
}
