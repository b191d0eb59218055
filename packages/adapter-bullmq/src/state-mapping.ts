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

/**
 * Switchyard priority (0..9, lower first) → BullMQ priority: the same number, so bull-board and
 * `job.priority` read what Switchyard reads. BullMQ keeps priority 0 in its plain `wait` list and
 * serves that list before every prioritized job (1 = highest, then 2, ...), which is exactly
 * Switchyard's order: 0 first, then 1..9, each band first in, first out.
 */
export function toBullPriority(priority: number): number {
  return priority;
}

/** BullMQ priority → Switchyard priority; beyond 9 (a foreign producer, a bull-board edit) reads as 9. */
export function fromBullPriority(priority: number): number {
  return Number.isInteger(priority) && priority > 0 ? Math.min(9, priority) : 0;
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
