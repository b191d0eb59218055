/**
 * `switchyard dashboard`: the REST API over the config's yard on a real port, closed by
 * default (tokens from a file, or --no-auth on purpose), stopped by SIGTERM with exit 0.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashToken } from '@switchyard/http';
import { describe, expect, it } from 'vitest';
import { BIN, fixtureConfig, requireBuiltBinary, runCli, writeConfig } from './run-cli.js';

/** Starts the dashboard and resolves with its `--json` document and a stop function. */
async function startDashboard(dir: string, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', '--json', ...args], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const urls = await new Promise<{ apiUrl: string; dashboardUrl: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        resolve(JSON.parse(stdout));
      } catch {
        // Not complete yet.
      }
    });
    void exited.then((code) => reject(new Error(`dashboard exited (${code}): ${stderr}`)));
  });
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { urls, stop };
}

describe('switchyard dashboard', () => {
  it('serves the API over the config’s yard with the tokens of a file; SIGTERM stops it with 0', async () => {
    requireBuiltBinary();
    const dir = await writeConfig(fixtureConfig(['createTestYard'], "createTestYard('memory', 'dash')"));
    const tokensFile = join(dir, 'tokens.json');
    await writeFile(
      tokensFile,
      JSON.stringify([{ name: 'ops', role: 'viewer', tokenHash: hashToken('viewer-secret') }]),
    );
    const { urls, stop } = await startDashboard(dir, ['--tokens-file', tokensFile]);
    expect(urls.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(urls.dashboardUrl).toBe(`${urls.apiUrl.slice(0, -4)}/dashboard`);

    const tasks = await fetch(`${urls.apiUrl}/tasks`, { headers: { authorization: 'Bearer viewer-secret' } });
    expect(tasks.status).toBe(200);
    expect(((await tasks.json()) as { tasks: { name: string }[] }).tasks.map((task) => task.name)).toEqual([
      'boom',
      'echo',
      'sleep',
    ]);
    expect((await fetch(`${urls.apiUrl}/tasks`)).status).toBe(401);
    const enqueue = await fetch(`${urls.apiUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: 'Bearer viewer-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'echo', payload: { n: 1 } }),
    });
    expect(enqueue.status).toBe(403);
    // The CLI itself, as a client of the dashboard's API.
    const stats = await runCli(['stats', '--json', '--url', urls.apiUrl, '--token', 'viewer-secret'], {
      cwd: '/',
    });
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).totals.counts.pending).toBe(0);
    expect(await stop()).toBe(0);
  });

  it('is closed by default: no tokens and no --no-auth is a usage error', async () => {
    const dir = await writeConfig(fixtureConfig(['createTestYard'], "createTestYard('memory', 'dash')"));
    const run = await runCli(['dashboard'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'switchyard: error: dashboard is closed by default: pass --tokens-file <file> (tokens with roles) or --no-auth',
    );
    const open = await startDashboard(dir, ['--no-auth']);
    expect((await fetch(`${open.urls.apiUrl}/stats`)).status).toBe(200);
    expect(await open.stop()).toBe(0);
  });
});
