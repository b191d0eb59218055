/**
 * The scripted scenario: a handful of orders placed over HTTP, each step waited
 * for through the API and checked against what must happen on every backend.
 * Used by `pnpm demo`, `pnpm demo:swap` and the tests.
 */
import type { AdapterCapabilities, JobState } from '@switchyard/core';
import { canonicalJson } from './json-text.ts';
import type { Order, OrderInput, OrderStatus } from './orders.ts';

/** One job of a step as the API reports it at the end. */
export interface ScenarioJob {
  task: string;
  state: JobState | 'missing';
  attempts: number;
  result?: unknown;
  error?: string;
  /** Created → finished, in ms. */
  ms?: number;
}

/** What one step did on one backend. */
export interface StepReport {
  key: string;
  title: string;
  /** The order's final status, or the step's own summary. */
  outcome: string;
  jobs: ScenarioJob[];
  elapsedMs: number;
  /** Departures from the expected behaviour (empty when the step behaved). */
  problems: string[];
  /** A difference explained by a declared capability (e.g. best-effort ordering). */
  note?: string;
}

/** The scenario's result on one backend. */
export interface ScenarioReport {
  backend: string;
  capabilities: AdapterCapabilities;
  ordersStore: string;
  steps: StepReport[];
  totalMs: number;
}

/** Where the scenario runs. */
export interface ScenarioTarget {
  baseUrl: string;
  backend: string;
  capabilities: AdapterCapabilities;
  ordersStore: string;
}

/** Called around each step (the demo prints headers and outcomes). */
export interface ScenarioHooks {
  onStepStart?(step: { index: number; key: string; title: string }): void;
  onStepEnd?(report: StepReport, index: number): void;
}

/** Expected (task, state, attempts) of a step's jobs, in any order. */
type ExpectedJob = [task: string, state: JobState, attempts: number];

interface StepContext {
  api: Api;
  target: ScenarioTarget;
}

interface StepDefinition {
  key: string;
  title: string;
  run(context: StepContext): Promise<Omit<StepReport, 'key' | 'title' | 'elapsedMs'>>;
}

const STEP_TIMEOUT_MS = 20_000;
const POLL_MS = 50;

/** Newsletter recipients and their priorities; strict ordering runs them as `NEWSLETTER_EXPECTED_ORDER`. */
export const NEWSLETTER = [
  { to: 'grace@example.com', priority: 5 },
  { to: 'alan@example.com', priority: 1 },
  { to: 'edsger@example.com', priority: 9 },
  { to: 'barbara@example.com', priority: 1 },
  { to: 'ken@example.com', priority: 3 },
];
/** Priority ascending, then enqueue order. */
export const NEWSLETTER_EXPECTED_ORDER = NEWSLETTER.map((entry, index) => ({ ...entry, index }))
  .sort((a, b) => a.priority - b.priority || a.index - b.index)
  .map((entry) => entry.to);

const orderStep = (
  key: string,
  title: string,
  input: OrderInput,
  finalStatus: OrderStatus,
  expected: ExpectedJob[],
  extraChecks: (order: Order, jobs: ScenarioJob[]) => string[] = () => [],
): StepDefinition => ({
  key,
  title,
  async run({ api }) {
    const placed = await api.post<Order>('/orders', input);
    const { order, jobs, problems } = await waitForOrder(api, placed.id, finalStatus, expected.length);
    problems.push(...checkJobs(jobs, expected), ...extraChecks(order, jobs));
    return {
      outcome: order.needsAttention ? `${order.status} ⚑ for a human` : order.status,
      jobs,
      problems,
    };
  },
});

/** The steps, in order. */
export const SCENARIO_STEPS: StepDefinition[] = [
  orderStep(
    'paid-delivered',
    'card order with premium delivery: PENDING → PAID → DELIVERED',
    {
      customer: 'ada@example.com',
      amount: 42,
      payment: 'card',
      cardToken: 'tok_visa',
      premium: true,
      courier: 'reliable',
    },
    'DELIVERED',
    [
      ['charge-payment', 'completed', 1],
      ['deliver-premium', 'completed', 1],
      ['send-email', 'completed', 1],
      ['send-email', 'completed', 1],
    ],
  ),
  orderStep(
    'delivery-retried',
    'courier fails twice, delivery succeeds on attempt 3 (exponential backoff)',
    {
      customer: 'linus@example.com',
      amount: 30,
      payment: 'card',
      cardToken: 'tok_visa',
      premium: true,
      courier: 'flaky',
    },
    'DELIVERED',
    [
      ['charge-payment', 'completed', 1],
      ['deliver-premium', 'completed', 3],
      ['send-email', 'completed', 1],
      ['send-email', 'completed', 1],
    ],
  ),
  orderStep(
    'delivery-exhausted',
    'courier down: delivery exhausts 3 attempts, onFailed flags the order PARTIAL',
    {
      customer: 'margaret@example.com',
      amount: 18,
      payment: 'card',
      cardToken: 'tok_visa',
      premium: true,
      courier: 'down',
    },
    'PARTIAL',
    [
      ['charge-payment', 'completed', 1],
      ['deliver-premium', 'failed', 3],
      ['send-email', 'completed', 1],
    ],
    (order) => (order.needsAttention ? [] : ['the PARTIAL order is not flagged for a human']),
  ),
  orderStep(
    'card-declined',
    'card declined: NonRetryableError fails at once and reaches onFailed',
    { customer: 'mallory@example.com', amount: 99, payment: 'card', cardToken: 'tok_declined' },
    'PAYMENT_FAILED',
    [['charge-payment', 'failed', 1]],
  ),
  orderStep(
    'unpaid-expired',
    'invoice never paid: reminder email delayed 2 s, then the cron sweep expires the order',
    { customer: 'bob@example.com', amount: 12, payment: 'invoice' },
    'EXPIRED',
    [
      ['send-email', 'completed', 1],
      ['expire-unpaid-orders', 'completed', 1],
    ],
    (_order, jobs) => {
      const reminder = jobs.find((job) => job.task === 'send-email');
      return reminder?.ms !== undefined && reminder.ms < 2000
        ? [`the delayed reminder ran after ${reminder.ms} ms, before its 2 s delay`]
        : [];
    },
  ),
  {
    key: 'bulk-import',
    title: 'bulk import of 5 legacy orders with one enqueueMany',
    async run({ api }) {
      const rows = [17, 23, 8, 51, 11].map((amount, index) => ({
        customer: `import-${index + 1}@example.com`,
        amount,
        legacyRef: `L-${1000 + index}`,
      }));
      const { jobIds } = await api.post<{ jobIds: string[] }>('/orders/import', { orders: rows });
      const { jobs, problems } = await waitForJobs(
        api,
        jobIds.map((id) => ({ task: 'import-order', id })),
      );
      problems.push(
        ...checkJobs(
          jobs,
          jobIds.map(() => ['import-order', 'completed', 1] as ExpectedJob),
        ),
      );
      return {
        outcome: `${jobs.filter((job) => job.state === 'completed').length}/${rows.length} imported`,
        jobs,
        problems,
      };
    },
  },
  {
    key: 'reports',
    title: 'hourly and daily report schedules (cron, own queue); one report run on demand',
    async run({ api }) {
      const schedules = await api.get<Array<{ key: string; cron?: string; nextRunAt: string }>>('/schedules');
      const problems = ['expire-unpaid-orders', 'hourly-sales-report', 'daily-sales-report']
        .filter((key) => !schedules.some((schedule) => schedule.key === key))
        .map((key) => `schedule ${key} is missing`);
      const { jobId } = await api.post<{ jobId: string }>('/reports/hourly', {});
      const waited = await waitForJobs(api, [{ task: 'sales-report', id: jobId }]);
      problems.push(...waited.problems, ...checkJobs(waited.jobs, [['sales-report', 'completed', 1]]));
      const expectedSales = { period: 'hourly', orders: 8, revenue: 42 + 30 + 18 + 17 + 23 + 8 + 51 + 11 };
      if (canonicalJson(waited.jobs[0]?.result) !== canonicalJson(expectedSales)) {
        problems.push(
          `report result ${JSON.stringify(waited.jobs[0]?.result)}, expected ${JSON.stringify(expectedSales)}`,
        );
      }
      return { outcome: `${schedules.length} schedules + 1 run`, jobs: waited.jobs, problems };
    },
  },
  {
    key: 'priority-order',
    title: 'a 5-mail newsletter released at once runs by priority, FIFO within a priority',
    async run({ api, target }) {
      const { jobIds } = await api.post<{ jobIds: string[] }>('/newsletters', { recipients: NEWSLETTER });
      const { jobs, problems } = await waitForJobs(
        api,
        jobIds.map((id) => ({ task: 'send-newsletter', id })),
      );
      problems.push(
        ...checkJobs(
          jobs,
          jobIds.map(() => ['send-newsletter', 'completed', 1] as ExpectedJob),
        ),
      );
      const observed = jobs
        .map((job) => job.result as { to: string; sequence: number } | undefined)
        .filter((result) => result !== undefined)
        .sort((a, b) => a.sequence - b.sequence)
        .map((result) => result.to.split('@')[0]);
      const expected = NEWSLETTER_EXPECTED_ORDER.map((to) => to.split('@')[0]);
      const inOrder = JSON.stringify(observed) === JSON.stringify(expected);
      let note: string | undefined;
      if (target.capabilities.ordering === 'strict') {
        if (!inOrder)
          problems.push(`ran ${observed.join(', ')}; strict ordering requires ${expected.join(', ')}`);
      } else {
        note = inOrder
          ? 'ordering is best-effort here (declared); this run happened to be in order'
          : `ordering is best-effort here (declared): ran ${observed.join(', ')}`;
      }
      return { outcome: observed.join('→'), jobs, problems, ...(note ? { note } : {}) };
    },
  },
];

/** Runs every step against a running shop and reports what happened. */
export async function runScenario(
  target: ScenarioTarget,
  hooks: ScenarioHooks = {},
): Promise<ScenarioReport> {
  const api = createApi(target.baseUrl);
  const started = performance.now();
  const steps: StepReport[] = [];
  for (const [index, step] of SCENARIO_STEPS.entries()) {
    hooks.onStepStart?.({ index, key: step.key, title: step.title });
    const stepStarted = performance.now();
    let report: StepReport;
    try {
      const result = await step.run({ api, target });
      report = {
        key: step.key,
        title: step.title,
        ...result,
        elapsedMs: Math.round(performance.now() - stepStarted),
      };
    } catch (error) {
      report = {
        key: step.key,
        title: step.title,
        outcome: 'error',
        jobs: [],
        elapsedMs: Math.round(performance.now() - stepStarted),
        problems: [`step threw: ${(error as Error).message}`],
      };
    }
    steps.push(report);
    hooks.onStepEnd?.(report, index);
  }
  return {
    backend: target.backend,
    capabilities: target.capabilities,
    ordersStore: target.ordersStore,
    steps,
    totalMs: Math.round(performance.now() - started),
  };
}

/** Every problem of a report, prefixed with its step. */
export function scenarioProblems(report: ScenarioReport): string[] {
  return report.steps.flatMap((step) => step.problems.map((problem) => `${step.key}: ${problem}`));
}

/** Compares a step's jobs with what must happen, ignoring order. Pure. */
export function checkJobs(jobs: ScenarioJob[], expected: ExpectedJob[]): string[] {
  const describe = (task: string, state: string, attempts: number) => `${task} ${state} ×${attempts}`;
  const actual = jobs.map((job) => describe(job.task, job.state, job.attempts)).sort();
  const wanted = expected.map(([task, state, attempts]) => describe(task, state, attempts)).sort();
  return JSON.stringify(actual) === JSON.stringify(wanted)
    ? []
    : [`jobs ended as [${actual.join('; ')}], expected [${wanted.join('; ')}]`];
}

const TERMINAL: ReadonlyArray<JobState | 'missing'> = ['completed', 'failed', 'cancelled'];

/** Polls the order until it has `status` and `jobCount` jobs, all finished. */
async function waitForOrder(
  api: Api,
  orderId: string,
  status: OrderStatus,
  jobCount: number,
): Promise<{ order: Order; jobs: ScenarioJob[]; problems: string[] }> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const order = await api.get<Order>(`/orders/${orderId}`);
    const jobs = await Promise.all(order.jobs.map((ref) => readJob(api, ref)));
    const settled =
      order.status === status && jobs.length >= jobCount && jobs.every((job) => TERMINAL.includes(job.state));
    if (settled) return { order, jobs, problems: [] };
    if (performance.now() > deadline) {
      return {
        order,
        jobs,
        problems: [`timed out: order is ${order.status} with ${jobs.length} job(s), waiting for ${status}`],
      };
    }
    await sleep(POLL_MS);
  }
}

/** Polls jobs until all are finished. */
async function waitForJobs(
  api: Api,
  refs: Array<{ task: string; id: string }>,
): Promise<{ jobs: ScenarioJob[]; problems: string[] }> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const jobs = await Promise.all(refs.map((ref) => readJob(api, ref)));
    if (jobs.every((job) => TERMINAL.includes(job.state))) return { jobs, problems: [] };
    if (performance.now() > deadline) return { jobs, problems: ['timed out waiting for the jobs to finish'] };
    await sleep(POLL_MS);
  }
}

interface JobJson {
  task: string;
  state: JobState;
  attempt: number;
  createdAt: string;
  finishedAt?: string;
  result?: unknown;
  error?: { message: string };
}

async function readJob(api: Api, ref: { task: string; id: string }): Promise<ScenarioJob> {
  const job = await api.getOrNull<JobJson>(`/jobs/${ref.id}`);
  if (!job) return { task: ref.task, state: 'missing', attempts: 0 };
  return {
    task: job.task,
    state: job.state,
    attempts: job.attempt,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error ? { error: job.error.message } : {}),
    ...(job.finishedAt ? { ms: Date.parse(job.finishedAt) - Date.parse(job.createdAt) } : {}),
  };
}

interface Api {
  get<T>(path: string): Promise<T>;
  getOrNull<T>(path: string): Promise<T | null>;
  post<T>(path: string, body: unknown): Promise<T>;
}

function createApi(baseUrl: string): Api {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const json = async <T>(response: Response, what: string): Promise<T> => {
    if (!response.ok) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    get: async (path) => json(await call('GET', path), `GET ${path}`),
    getOrNull: async (path) => {
      const response = await call('GET', path);
      return response.status === 404 ? null : json(response, `GET ${path}`);
    },
    post: async (path, body) => json(await call('POST', path, body), `POST ${path}`),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
