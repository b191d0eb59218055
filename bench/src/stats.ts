/** Pure statistics over samples: medians, spread and latency percentiles. */

/** Median and spread of a set of samples of one metric. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, e.g. 0.08 for ±4 %. 0 with one sample. */
  spread: number;
  samples: number[];
}

/** Sorts a copy ascending. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The p-th percentile (0..100) by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty set');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const ordered = sorted(values);
  const rank = (p / 100) * (ordered.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const weight = rank - low;
  return ordered[low]! * (1 - weight) + ordered[high]! * weight;
}

/** The median (50th percentile). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Median, extremes and relative spread of a metric's samples. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summary of an empty set');
  const ordered = sorted(values);
  const mid = median(ordered);
  const min = ordered[0]!;
  const max = ordered[ordered.length - 1]!;
  return { median: mid, min, max, spread: mid === 0 ? 0 : (max - min) / Math.abs(mid), samples: [...values] };
}

/** Switchyard ÷ peer; undefined when the peer's figure is zero or missing. */
export function ratio(switchyard: number, peer: number | undefined): number | undefined {
  if (peer === undefined || peer === 0 || !Number.isFinite(peer)) return undefined;
  return switchyard / peer;
}

/**
 * Switchyard ÷ peer, round by round, then the median of those ratios. Both ran
 * within seconds of each other in a round, so load that drifts over the run
 * cancels out; falls back to the ratio of medians when the rounds do not pair up.
 */
export function pairedRatio(switchyard: readonly number[], peer: readonly number[]): number | undefined {
  if (switchyard.length === 0 || peer.length === 0) return undefined;
  const rounds = roundRatios(switchyard, peer);
  return rounds === undefined ? ratio(median(switchyard), median(peer)) : median(rounds);
}

/** Switchyard ÷ peer for each round; undefined when the rounds do not pair up (or a peer figure is 0). */
export function roundRatios(switchyard: readonly number[], peer: readonly number[]): number[] | undefined {
  if (switchyard.length === 0 || switchyard.length !== peer.length) return undefined;
  if (peer.some((value) => value === 0 || !Number.isFinite(value))) return undefined;
  return switchyard.map((value, round) => value / peer[round]!);
}

/**
 * The lowest and highest Switchyard ÷ peer a run supports: the round-by-round ratios when the rounds pair
 * up, else the extremes of one side over the other. Undefined when no ratio exists.
 */
export function ratioRange(
  switchyard: readonly number[],
  peer: readonly number[],
): [number, number] | undefined {
  if (switchyard.length === 0 || peer.length === 0) return undefined;
  const rounds = roundRatios(switchyard, peer);
  if (rounds !== undefined) return [Math.min(...rounds), Math.max(...rounds)];
  const low = ratio(Math.min(...switchyard), Math.max(...peer));
  const high = ratio(Math.max(...switchyard), Math.min(...peer));
  return low === undefined || high === undefined ? undefined : [low, high];
}

/**
 * The contender order for a round: rotated by the round number, so each
 * contender runs first, middle and last equally often (warm-up, GC and
 * thermal effects fall on everybody).
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Rates of processes that ran at the same time, each given the sorted completion times
 * (ms) of its jobs: completions per second inside the window all of them spent busy,
 * from the latest 10 % mark to the earliest 90 % mark (start-up and the last stragglers
 * left out). Machine-wide noise falls on every process alike, so their ratio is steadier
 * than that of runs taken one after another.
 */
export function overlapRates(completions: ReadonlyArray<readonly number[]>): number[] {
  const mark = (times: readonly number[], share: number) => {
    if (times.length < 10) throw new RangeError('overlapRates needs at least 10 completions per process');
    return times[Math.floor(share * (times.length - 1))]!;
  };
  const from = Math.max(...completions.map((times) => mark(times, 0.1)));
  const to = Math.min(...completions.map((times) => mark(times, 0.9)));
  if (!(to > from)) throw new RangeError('the processes did not run at the same time');
  return completions.map(
    (times) => times.filter((at) => at >= from && at <= to).length / ((to - from) / 1000),
  );
}
