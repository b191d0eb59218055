import type { JobState } from '../types.ts';

/** A job state as a coloured label. */
export function StateBadge({ state }: { state: JobState }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}
