/**
 * What recording throughput history (and publishing events) costs processing: three
 * worker processes on three fresh backends of the same kind run side by side — history
 * and events on, history off, both off — started by one `GO`, and each one's rate is
 * taken over the window all three were busy. A 5 % target is below the round-to-round
 * noise of runs taken one after another on a shared 2-core machine (±20 % seen), but
 * processes running at the same moment share that noise, so their ratio keeps to the cost.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onLines } from '../child-lines.ts';
import type { Sample, Scenario } from '../section.ts';
import { overlapRates, roundOrder } from '../stats.ts';
import { type BackendName, freshBackend } from './backends.ts';

const CHILD = fileURLToPath(new URL('./cost-child.ts', import.meta.url));

interface Variant {
  name: string;
  role: 'switchyard' | 'peer';
  history: 'on' | 'off';
  events: 'on' | 'off';
}

const VARIANTS: readonly Variant[] = [
  { name: 'switchyard', role: 'switchyard', history: 'on', events: 'on' },
  { name: 'history off', role: 'peer', history: 'off', events: 'on' },
  { name: 'history and events off', role: 'peer', history: 'off', events: 'off' },
];

/** One worker process: `ready` once its jobs are enqueued, `exited` with the completion times after `GO`. */
function startChild(spec: string, jobs: number, variant: Variant) {
  const child = spawn(process.execPath, [CHILD, spec, String(jobs), variant.history, variant.events], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  onLines(child.stdout, (line) => {
    if (line === 'READY') markReady();
    else output = line;
  });
  const exited = new Promise<number[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && output.startsWith('[')) resolve(JSON.parse(output) as number[]);
      else reject(new Error(`the ${variant.name} worker process exited with ${code}`));
    });
  });
  exited.catch(() => {}); // awaited below; a failure before then must not go unhandled
  // A process that ends before it is ready fails the wait instead of leaving it pending.
  return { child, ready: Promise.race([ready, exited.then(() => {})]), exited };
}

/** One round: the three processes side by side, each on a fresh backend. */
async function runRound(kind: BackendName, jobs: number, round: number): Promise<Map<string, number>> {
  const order = roundOrder(VARIANTS, round);
  const backends = await Promise.all(order.map(() => freshBackend(kind)));
  const children = order.map((variant, index) => startChild(backends[index]!.spec, jobs, variant));
  try {
    await Promise.all(children.map((child) => child.ready));
    for (const { child } of children) child.stdin.write('GO\n');
    const completions = await Promise.all(children.map((child) => child.exited));
    const rates = overlapRates(completions.map((times) => [...times].sort((a, b) => a - b)));
    return new Map(order.map((variant, index) => [variant.name, rates[index]!]));
  } finally {
    for (const { child } of children) child.kill('SIGKILL');
    await Promise.all(backends.map((backend) => backend.drop()));
  }
}

/** The history-cost scenario of one backend. */
export function costScenario(kind: BackendName, jobs: number, rounds: number | undefined): Scenario {
  return {
    id: `history-cost-${kind}`,
    title: `${kind}: processing rate with throughput history recorded vs not (and events published vs not), three worker processes side by side`,
    settings: { jobs, concurrency: 20, processes: 'one per contender, at the same time' },
    metrics: [{ key: 'rate', label: 'jobs/s', better: 'higher' }],
    ...(rounds === undefined ? {} : { rounds }),
    contenders: VARIANTS.map((variant) => ({
      name: variant.name,
      role: variant.role,
      settings: { history: variant.history, events: variant.events },
    })),
    runTogether: async (roundCount) => {
      const samples: Record<string, Sample[]> = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
      for (let round = 0; round < roundCount; round++) {
        const rates = await runRound(kind, jobs, round);
        for (const [name, rate] of rates) samples[name]!.push({ rate });
      }
      return samples;
    },
  };
}
