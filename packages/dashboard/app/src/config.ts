/**
 * The runtime config `@switchyard/http` injects into `index.html` as
 * `window.__SWITCHYARD_DASHBOARD__` (also served at `./runtime-config.json`), so one build
 * works under any mount path and auth mode.
 */

/** How the dashboard authenticates. */
export type AuthMode = 'token' | 'session' | 'none';

/** The dashboard's runtime config. */
export interface RuntimeConfig {
  /** Base URL of the API (`''` for the server root). */
  apiBaseUrl: string;
  /** Where the dashboard is mounted. */
  basePath: string;
  /** `token`: a login screen asks for a bearer token; `session`: cookies; `none`: open. */
  auth: AuthMode;
  /** Optional URL template for trace ids, with `{traceId}` in it (e.g. a Jaeger or Tempo link). */
  traceUrlTemplate?: string;
}

declare global {
  interface Window {
    __SWITCHYARD_DASHBOARD__?: Partial<RuntimeConfig>;
  }
}

const AUTH_MODES: readonly AuthMode[] = ['token', 'session', 'none'];

/** Fills in what a partial or missing config leaves out (pure). */
export function normalizeConfig(raw: Partial<RuntimeConfig> | undefined | null): RuntimeConfig {
  const auth = raw?.auth && AUTH_MODES.includes(raw.auth) ? raw.auth : 'token';
  return {
    apiBaseUrl: typeof raw?.apiBaseUrl === 'string' ? raw.apiBaseUrl.replace(/\/+$/, '') : '',
    basePath: typeof raw?.basePath === 'string' ? raw.basePath : '',
    auth,
    ...(typeof raw?.traceUrlTemplate === 'string' && raw.traceUrlTemplate.includes('{traceId}')
      ? { traceUrlTemplate: raw.traceUrlTemplate }
      : {}),
  };
}

/** The injected config, or the one the server publishes beside the page. */
export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  if (window.__SWITCHYARD_DASHBOARD__) return normalizeConfig(window.__SWITCHYARD_DASHBOARD__);
  try {
    const response = await fetch('./runtime-config.json', { headers: { accept: 'application/json' } });
    if (response.ok) return normalizeConfig((await response.json()) as Partial<RuntimeConfig>);
  } catch {
    // Served without @switchyard/http (e.g. a static preview): the defaults below apply.
  }
  return normalizeConfig(undefined);
}
