/**
 * Hosting the dashboard: a static single-page app served at a run-time mount path, with
 * every unknown route falling back to `index.html` (client-side routing), and a runtime
 * config injected into that page so one build works under any path and auth mode.
 * The assets come from `assetsDir`, or from the optional peer `@switchyard/dashboard`
 * (its `dashboardAssetsDir` export).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidOptionsError } from '@switchyard/core';
import { normalizeBasePath } from './options.js';
import { problem, problemResponse } from './problem.js';

/** The `dashboard` option. */
export interface DashboardOptions {
  /** Where the dashboard is served, e.g. `/admin/jobs` (an absolute path on this server). */
  path: string;
  /** Directory holding the built app (`index.html` and assets). Default: `@switchyard/dashboard`'s. */
  assetsDir?: string;
  /** How the dashboard logs in: `'token'` (asks for a bearer token) or `'session'` (the app's cookie). Default: from `auth`. */
  authMode?: 'token' | 'session' | 'none';
  /** The API's URL as the browser sees it, when a proxy rewrites paths. Default: the API's `basePath`. */
  apiBaseUrl?: string;
  /** Link for trace ids on the job page, with `{traceId}` in it, e.g. `https://tempo.example.com/trace/{traceId}`. */
  traceUrl?: string;
}

/** What the dashboard page finds in `window.__SWITCHYARD_DASHBOARD__` (and at `<path>/runtime-config.json`). */
export interface DashboardRuntimeConfig {
  /** Base URL of the API, e.g. `/api/jobs`; `''` for the server root. */
  apiBaseUrl: string;
  /** Where the dashboard is mounted, e.g. `/admin/jobs`. */
  basePath: string;
  /** `'token'`: show a token login; `'session'`: the browser's cookies authenticate; `'none'`: no login. */
  auth: 'token' | 'session' | 'none';
  /** The `traceUrl` option: where a trace id links to. */
  traceUrlTemplate?: string;
}

/** The global the runtime config is injected as. */
export const DASHBOARD_CONFIG_GLOBAL = '__SWITCHYARD_DASHBOARD__';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Checks the option; the mount path is normalized like `basePath` and may not be the root. */
export function checkDashboardOptions(options: DashboardOptions): DashboardOptions & { path: string } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('dashboard must be { path, assetsDir? }');
  }
  const path = normalizeBasePath(options.path, 'dashboard.path');
  if (path === '') throw new InvalidOptionsError('dashboard.path must not be the root; use e.g. /admin/jobs');
  if (
    options.assetsDir !== undefined &&
    (typeof options.assetsDir !== 'string' || !isAbsolute(options.assetsDir))
  ) {
    throw new InvalidOptionsError('dashboard.assetsDir must be an absolute directory path');
  }
  if (options.authMode !== undefined && !['token', 'session', 'none'].includes(options.authMode)) {
    throw new InvalidOptionsError("dashboard.authMode must be 'token', 'session' or 'none'");
  }
  if (
    options.traceUrl !== undefined &&
    (typeof options.traceUrl !== 'string' ||
      !/^https?:\/\/\S+$/.test(options.traceUrl) ||
      !options.traceUrl.includes('{traceId}'))
  ) {
    throw new InvalidOptionsError('dashboard.traceUrl must be an http(s) URL with {traceId} in it');
  }
  return { ...options, path };
}

/** `index.html` with the runtime config (and a `<base>` for relative asset URLs) injected into `<head>`. */
export function injectRuntimeConfig(html: string, config: DashboardRuntimeConfig): string {
  // `<` is escaped so no value can close the script element.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c');
  const base = /<base\s/i.test(html) ? '' : `<base href="${config.basePath}/">`;
  const tag = `${base}<script>window.${DASHBOARD_CONFIG_GLOBAL}=${json};</script>`;
  const head = /<head[^>]*>/i.exec(html);
  if (!head) return `${tag}${html}`;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}${tag}${html.slice(at)}`;
}

/** The file under `root` a request path names, or null when it escapes the root or is malformed. */
export function resolveAssetPath(root: string, subPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(subPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return null;
  const file = resolve(root, ...segments);
  const rel = relative(root, file);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return null;
  return file;
}

async function loadAssetsDir(options: DashboardOptions): Promise<string> {
  if (options.assetsDir) return options.assetsDir;
  const name = '@switchyard/dashboard';
  const module = (await import(name)) as { dashboardAssetsDir?: unknown };
  if (typeof module.dashboardAssetsDir !== 'string') {
    throw new Error('@switchyard/dashboard does not export dashboardAssetsDir');
  }
  return module.dashboardAssetsDir;
}

/** Serves the dashboard; `handle(pathname, method)` answers a request under the mount path. */
export function dashboardHandler(
  options: DashboardOptions & { path: string },
  config: DashboardRuntimeConfig,
  onError: (error: unknown) => void,
): (subPath: string, method: string) => Promise<Response> {
  let rootPromise: Promise<string> | undefined;
  let indexHtml: string | undefined;
  const root = () => {
    rootPromise ??= loadAssetsDir(options).then((dir) => resolve(dir));
    return rootPromise;
  };
  return async (subPath, method) => {
    if (subPath === '/runtime-config.json') {
      return new Response(JSON.stringify(config), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
      });
    }
    let dir: string;
    try {
      dir = await root();
    } catch (error) {
      rootPromise = undefined;
      onError(error);
      return problemResponse(
        problem(
          503,
          'DASHBOARD_UNAVAILABLE',
          'dashboard assets not found: install @switchyard/dashboard or pass dashboard.assetsDir',
        ),
      );
    }
    const file = resolveAssetPath(dir, subPath);
    if (file === null) return problemResponse(problem(404, 'NOT_FOUND', 'no such file'));
    const isIndex = file === resolve(dir) || file === resolve(dir, 'index.html');
    if (!isIndex) {
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) {
        const body = method === 'HEAD' ? null : await readFile(file);
        return new Response(body, {
          headers: {
            'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
            'cache-control': subPath.startsWith('/assets/')
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
            'x-content-type-options': 'nosniff',
          },
        });
      }
      // A missing file with an extension is a broken asset link, not a client-side route.
      if (extname(file) !== '') return problemResponse(problem(404, 'NOT_FOUND', 'no such file'));
    }
    try {
      indexHtml ??= injectRuntimeConfig(await readFile(resolve(dir, 'index.html'), 'utf8'), config);
    } catch (error) {
      onError(error);
      return problemResponse(problem(503, 'DASHBOARD_UNAVAILABLE', 'the dashboard has no index.html'));
    }
    return new Response(method === 'HEAD' ? null : indexHtml, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      },
    });
  };
}
