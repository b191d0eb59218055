/**
 * The REST API's figures (issue 13): `GET /jobs` first page p50 with a large backlog, and
 * `GET /jobs/{id}` requests per second with bearer auth and the rate limiter on (limits
 * raised so they never reject). Server and load share this process and the machine: an
 * end-to-end floor, not a server peak.
 */
import { createSwitchyard, defineTask } from '@switchyard/core';
import { bearerTokens, hashToken, newToken, serveApi } from '@switchyard/http';
import type { Scenario } from '../section.ts';
import { percentile } from '../stats.ts';
import { type BackendName, freshBackend } from './backends.ts';

const task = defineTask({ name: 'bench.api', retry: { attempts: 1 } });
const LOAD_SECONDS = 5;
const CONCURRENCY = 8;

async function measureApi(kind: BackendName, jobs: number) {
  const backend = await freshBackend(kind);
  const yard = createSwitchyard({ adapter: backend.adapter(), tasks: [task], publishEvents: false });
  await yard.start();
  const token = newToken();
  const limit = { points: 1_000_000_000, duration: 60 };
  const served = await serveApi(yard, {
    port: 0,
    host: '127.0.0.1',
    auth: bearerTokens([{ name: 'bench', role: 'viewer', tokenHash: hashToken(token) }]),
    rateLimit: { read: limit, write: limit, events: limit, unauthenticated: limit },
  });
  const headers = { authorization: `Bearer ${token}` };
  const get = async (path: string) => {
    const response = await fetch(`${served.url}${path}`, { headers });
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    await response.arrayBuffer();
  };
  try {
    const ids: string[] = [];
    for (let offset = 0; offset < jobs; offset += 1000) {
      const created = await yard.enqueueMany(
        task,
        Array.from({ length: Math.min(1000, jobs - offset) }, (_, n) => ({ n: offset + n })),
        { delay: '1h' },
      );
      if (offset % 10_000 === 0) ids.push(...created.slice(0, 100).map((job) => job.id));
    }
    const firstPage: number[] = [];
    for (let i = 0; i < 120; i++) {
      const started = performance.now();
      await get('/jobs');
      if (i >= 20) firstPage.push(performance.now() - started);
    }
    let requests = 0;
    const deadline = performance.now() + LOAD_SECONDS * 1000;
    const loop = async (seed: number) => {
      for (let cursor = seed; performance.now() < deadline; cursor++) {
        await get(`/jobs/${ids[cursor % ids.length]}`);
        requests++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, index) => loop(index * 7)));
    return {
      firstPageP50: percentile(firstPage, 50),
      getByIdRate: requests / ((performance.now() - started) / 1000),
    };
  } finally {
    await served.close();
    await yard.close();
    await backend.drop();
  }
}

/** `api-<backend>`: the two API figures on one backend. */
export function apiScenario(kind: BackendName, jobs: number): Scenario {
  return {
    id: `api-${kind}`,
    title: `${kind}: REST API, GET /jobs first page and GET /jobs/{id} with bearer auth, ${jobs.toLocaleString('en')} jobs stored`,
    settings: { jobs, concurrency: CONCURRENCY, loadSeconds: LOAD_SECONDS, auth: 'bearer', rateLimit: 'on' },
    metrics: [
      { key: 'firstPageP50', label: 'GET /jobs p50 ms', better: 'lower' },
      { key: 'getByIdRate', label: 'GET /jobs/{id} req/s', better: 'higher' },
    ],
    rounds: 1,
    contenders: [{ name: 'switchyard', role: 'switchyard', run: () => measureApi(kind, jobs) }],
  };
}
