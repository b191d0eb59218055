/**
 * The quick chaos run, on every durable backend: real worker processes SIGKILLed, their own
 * connections killed on the server, the backend cut behind proxies (with the spool), a worker
 * frozen past its lease, malformed entries in the backend. Needs Redis, PostgreSQL and the
 * built packages (`pnpm test` builds first); the SQS emulator starts in this process.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../src/chaos.ts';
import { formatTable } from '../src/report.ts';
import { QUICK } from '../src/scenarios.ts';

describe('chaos (quick run)', () => {
  it('0 lost, 0 stuck, 0 worker crashes, duplicates ≤ jobs in flight at faults, on every durable backend', async () => {
    const progress: string[] = [];
    const results = await runChaos({ scenarios: QUICK, progress: (line) => progress.push(line) });
    console.info(`${formatTable(results)}\n`);
    expect(results).toHaveLength(3 * QUICK.length);
    for (const result of results) {
      const where = `${result.backend} / ${result.scenario}`;
      expect.soft(result.verdict.jobs, `${where}: jobs`).toBeGreaterThan(0);
      expect.soft(result.verdict.lost, `${where}: lost`).toBe(0);
      expect.soft(result.verdict.stuck, `${where}: stuck`).toBe(0);
      expect
        .soft(result.verdict.crashes, `${where}: worker crashes\n${result.crashReports.join('\n')}`)
        .toBe(0);
      expect
        .soft(result.verdict.duplicates, `${where}: duplicates`)
        .toBeLessThanOrEqual(result.verdict.inFlightAtFaults);
      if (result.kind === 'outage') {
        expect.soft(result.figures.refusedDuringOutage, `${where}: enqueues refused with the spool`).toBe(0);
        expect
          .soft(result.figures.outageDownLines, `${where}: outage lines`)
          .toBeLessThanOrEqual(QUICK[0]!.workers);
      }
      if (result.kind === 'zombies') expect.soft(result.figures.zombieSettlesAccepted, where).toBe(0);
    }
    // Every fault actually happened. (Soft: one run reports every miss at once.)
    for (const backend of ['bullmq', 'pgboss', 'sqs']) {
      const of = (kind: string) => results.find((r) => r.backend === backend && r.kind === kind)!;
      expect.soft(of('kill-loop').figures.kills, `${backend}: kills`).toBeGreaterThan(0);
      expect
        .soft(of('connection-kills').figures.connections, `${backend}: connections killed`)
        .toBeGreaterThan(0);
      expect.soft(of('outage').figures.spooled, `${backend}: spooled`).toBeGreaterThan(0);
      expect
        .soft(of('zombies').figures.heldByZombies, `${backend}: jobs held by the zombie`)
        .toBeGreaterThan(0);
    }
  });
});
