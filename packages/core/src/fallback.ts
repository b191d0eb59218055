/**
 * Enqueue with a fallback spool: while the backend is unavailable (a call failed with
 * `BackendUnavailableError`) or spooled jobs still wait, new jobs go to the spool, so
 * they keep their enqueue order and nobody waits for a dead backend; the relay forwards
 * them and lifts the fallback once the spool is empty.
 */
import type { Clock } from './clock.js';
import { SwitchyardError } from './errors.js';
import type { FallbackSpool } from './fallback-spool.js';
import type { NewJob } from './job.js';
import type { Logger } from './logger.js';
import { type RelayTarget, SpoolRelay } from './spool-relay.js';

/** What `yard.spool.status()` reports. */
export interface SpoolStatus {
  /** A fallback spool is configured. */
  enabled: boolean;
  /** Jobs waiting in the spool. */
  depth: number;
  /** Age of the oldest spooled job, ms; null when the spool is empty. */
  oldestAgeMs: number | null;
}

export class Fallback {
  private readonly relay: SpoolRelay;
  /** Set when the backend refused; cleared when the relay emptied the spool. */
  private active = false;

  constructor(
    private readonly spool: FallbackSpool,
    target: Omit<RelayTarget, 'drained'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.relay = new SpoolRelay(
      spool,
      {
        ...target,
        drained: () => {
          this.active = false;
        },
      },
      clock,
      logger,
    );
  }

  async start(): Promise<void> {
    await this.spool.open();
    this.active = (await this.spool.status()).depth > 0;
    this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    await this.spool.close();
  }

  /**
   * Stores jobs through `direct`, or spools them when the backend is unavailable (or jobs
   * already wait in the spool). True when they were spooled.
   */
  async store(jobs: NewJob[], direct: () => Promise<void>): Promise<boolean> {
    if (!this.active) {
      try {
        await direct();
        return false;
      } catch (error) {
        if (!SwitchyardError.hasCode(error, 'BACKEND_UNAVAILABLE')) throw error;
        this.active = true;
        this.logger.warn(
          { err: error },
          'switchyard: the backend is unavailable; enqueued jobs go to the fallback spool until it answers',
        );
      }
    }
    await this.spool.put(jobs, new Date(this.clock.now()));
    this.relay.kick();
    return true;
  }

  /** Forwards what is spooled now; resolves true when the spool is empty. */
  drain(): Promise<boolean> {
    return this.relay.drain();
  }

  async status(): Promise<SpoolStatus> {
    const { depth, oldestSpooledAt } = await this.spool.status();
    return {
      enabled: true,
      depth,
      oldestAgeMs:
        oldestSpooledAt === null ? null : Math.max(0, this.clock.now() - oldestSpooledAt.getTime()),
    };
  }
}
