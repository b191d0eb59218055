/**
 * Dashboard hosting: a static single-page app at a run-time mount path, SPA fallback to
 * index.html with the runtime config injected, assets with long caching, no escape from
 * the assets directory, and a clear 503 when no assets are installed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type DashboardRuntimeConfig, type ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { ROOMY_LIMITS, serveForTest, testAuth } from './support/http.js';
import { rawRequest } from './support/raw-http.js';

const INDEX =
  '<!doctype html><html><head><title>Jobs</title></head><body><div id="app"></div><script type="module" src="./assets/app.js"></script></body></html>';

function configOf(html: string): DashboardRuntimeConfig {
  const match = /window\.__SWITCHYARD_DASHBOARD__=(.*?);<\/script>/.exec(html);
  if (!match) throw new Error(`no runtime config in ${html}`);
  return JSON.parse(match[1]!);
}

describe('dashboard hosting', () => {
  let backend: Backend;
  let root: string;
  let assetsDir: string;
  let served: ServedApi;
  beforeAll(async () => {
    backend = await openBackend('memory');
    root = await mkdtemp(join(tmpdir(), 'switchyard-dashboard-'));
    assetsDir = join(root, 'dist');
    await mkdir(join(assetsDir, 'assets'), { recursive: true });
    await writeFile(join(assetsDir, 'index.html'), INDEX);
    await writeFile(join(assetsDir, 'assets', 'app.js'), 'console.log("dashboard")');
    await writeFile(join(assetsDir, 'favicon.svg'), '<svg/>');
    await writeFile(join(root, 'secret.txt'), 'do not serve');
    served = await serveForTest(backend.yard, {
      basePath: '/api',
      dashboard: { path: '/admin/jobs', assetsDir },
    });
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
    await rm(root, { recursive: true, force: true });
  });
  const origin = () => served.url.replace(/\/api$/, '');

  it('serves index.html with the runtime config at the mount path and for deep links', async () => {
    for (const path of [
      '/admin/jobs',
      '/admin/jobs/',
      '/admin/jobs/jobs/01970a4e-7c1b-7d2e-8f00-1a2b3c4d5e6f',
    ]) {
      const response = await fetch(`${origin()}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const html = await response.text();
      expect(html).toContain('<div id="app">');
      expect(html).toContain('<base href="/admin/jobs/">');
      expect(configOf(html)).toEqual({ apiBaseUrl: '/api', basePath: '/admin/jobs', auth: 'token' });
    }
    const config = await fetch(`${origin()}/admin/jobs/runtime-config.json`);
    expect(await config.json()).toEqual({ apiBaseUrl: '/api', basePath: '/admin/jobs', auth: 'token' });
  });

  it('serves assets with their type and long caching; a missing asset is 404, not the page', async () => {
    const script = await fetch(`${origin()}/admin/jobs/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('console.log("dashboard")');
    const icon = await fetch(`${origin()}/admin/jobs/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(`${origin()}/admin/jobs/assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the assets directory', async () => {
    for (const path of [
      '/admin/jobs/..%2fsecret.txt',
      '/admin/jobs/%2e%2e/secret.txt',
      '/admin/jobs/assets/..%2f..%2fsecret.txt',
      '/admin/jobs/%2e%2e%5csecret.txt',
      '/admin/jobs/x%00.js',
    ]) {
      const response = await fetch(`${origin()}${path}`);
      expect(await response.text(), path).not.toContain('do not serve');
    }
    const status = await rawRequest(served.port, 'GET /admin/jobs/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(status).toBe(404);
  });

  it('the API beside it keeps working and the dashboard path needs no token (the app asks for one)', async () => {
    expect((await fetch(`${served.url}/jobs`)).status).toBe(401);
    expect((await fetch(`${origin()}/admin/jobs`)).status).toBe(200);
  });

  it('answers 503 DASHBOARD_UNAVAILABLE when no assets are installed', async () => {
    const api = createApi(backend.yard, {
      auth: testAuth,
      rateLimit: ROOMY_LIMITS,
      dashboard: { path: '/ui' },
    });
    const response = await api.fetch(new Request('http://localhost/ui'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { code: string }).code).toBe('DASHBOARD_UNAVAILABLE');
  });

  it("derives the login mode from auth: 'session' for an app authenticator, 'none' for auth: 'none'", async () => {
    const sessionApi = createApi(backend.yard, {
      auth: { authenticate: () => null },
      dashboard: { path: '/ui', assetsDir },
    });
    expect(configOf(await (await sessionApi.fetch(new Request('http://x/ui'))).text()).auth).toBe('session');
    const openApi = createApi(backend.yard, { auth: 'none', dashboard: { path: '/ui', assetsDir } });
    expect(configOf(await (await openApi.fetch(new Request('http://x/ui'))).text()).auth).toBe('none');
  });

  it('refuses a dashboard path inside the API path, or a relative assets directory', () => {
    expect(() =>
      createApi(backend.yard, { auth: testAuth, basePath: '/api', dashboard: { path: '/api/ui' } }),
    ).toThrow(/must not lie inside/);
    expect(() =>
      createApi(backend.yard, { auth: testAuth, dashboard: { path: '/ui', assetsDir: 'dist' } }),
    ).toThrow(/absolute/);
    expect(() => createApi(backend.yard, { auth: testAuth, dashboard: { path: '/' } })).toThrow(/root/);
  });
});
