/** A deterministic CPU burn for the CPU-bound handler mix. */

/** Keeps the loop's result observable so the JIT cannot drop it. */
export let spinSink = 0;

/** Burns `iterations` rounds of integer arithmetic (about 1 ns each on a current x86 core). */
export function spin(iterations: number): void {
  let x = spinSink;
  for (let k = 0; k < iterations; k++) x = (Math.imul(x, 31) + k) | 0;
  spinSink = x;
}
