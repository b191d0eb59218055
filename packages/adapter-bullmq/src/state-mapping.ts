/** How BullMQ's places map onto Switchyard states (pure). */
import type { JobState } from '@switchyard/core';

/** Where a job sits in BullMQ, as found by the lookup script. */
export type BullPlace = 'completed' | 'failed' | 'delayed' | 'prioritized' | 'wait' | 'active' | 'unknown';

/** The few hash fields the mapping depends on. */
export interface StateHints {
  /** BullMQ `ats`: deliveries so far. */
  attemptsStarted: number;
  /** Adapter marker: the job was cancelled. */
  cancelled: boolean;
}

/**
 * BullMQ place → Switchyard state. A delayed job with a delivery behind it is
 * `retrying` (only a failed attempt puts a started job back into `delayed`);
 * cancelled jobs live in BullMQ's failed set with the adapter's marker.
 */
export function toJobState(place: BullPlace, hints: StateHints): JobState | null {
  switch (place) {
    case 'completed':
      return 'completed';
    case 'failed':
      return hints.cancelled ? 'cancelled' : 'failed';
    case 'delayed':
      return hints.attemptsStarted > 0 ? 'retrying' : 'scheduled';
    case 'prioritized':
    case 'wait':
      return 'pending';
    case 'active':
      return 'running';
    case 'unknown':
      return null;
  }
}

/** Switchyard priority (0..9, lower first) → BullMQ priority (1 = highest). Every job is prioritized, so order is strict. */
export function toBullPriority(priority: number): number {
  return priority + 1;
}

/** BullMQ priority → Switchyard priority (best effort for foreign jobs). */
export function fromBullPriority(priority: number): number {
  return Number.isFinite(priority) && priority > 0 ? Math.min(9, priority - 1) : 0;
}

/** The BullMQ places that hold jobs of a Switchyard state (for listing and counting). */
export function placesOf(state: JobState): BullPlace[] {
  switch (state) {
    case 'pending':
      return ['wait', 'prioritized'];
    case 'running':
      return ['active'];
    case 'scheduled':
    case 'retrying':
      return ['delayed'];
    case 'completed':
      return ['completed'];
    case 'failed':
    case 'cancelled':
      return ['failed'];
  }
}
