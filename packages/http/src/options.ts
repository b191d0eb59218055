/** The options of `createApi`, and their validation (pure). */
import { InvalidOptionsError, type Logger } from '@switchyard/core';
import type { AuthOption } from './authenticate.js';
import type { DashboardOptions } from './dashboard.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { RedactOption } from './redact.js';

/** Anything that renders Prometheus metrics: a prom-client `Registry` fits. */
export interface MetricsSource {
  metrics(): Promise<string> | string;
  contentType: string;
}

/** Options of `createApi`. */
export interface ApiOptions {
  /**
   * Who may call: `bearerTokens([...])`, `{ authenticate(request, context) }`, or `'none'`
   * (every caller is admin; a warning is logged). Required: the API is closed by default.
   */
  auth: AuthOption;
  /** Path prefix the API is served under, e.g. `/api/jobs`. Default `''` (the root). */
  basePath?: string;
  /** Rate limits; `false` turns them off (e.g. behind a gateway that limits). */
  rateLimit?: RateLimitOptions | false;
  /** Hides payload and result fields from viewers and in every list response. */
  redact?: RedactOption;
  /** Largest request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Serves `GET /metrics` from this registry (prom-client `Registry` or `@switchyard/prometheus`). */
  metrics?: MetricsSource;
  /** `GET /metrics` without authentication (for a scraper on a private network). Default false. */
  publicMetrics?: boolean;
  /** Hosts the dashboard single-page app. */
  dashboard?: DashboardOptions;
  /** SSE comment interval that keeps proxies from closing `GET /events`. Default 15 s. */
  heartbeatMs?: number;
  /** Where audit and error lines go. Default: the yard's logger. */
  logger?: Logger;
}

/** The default body limit, 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** The default SSE heartbeat interval. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Checks a path prefix: `''` or `/segment[/segment...]` of safe characters, no trailing slash. */
export function normalizeBasePath(value: unknown, what = 'basePath'): string {
  if (value === undefined || value === '' || value === '/') return '';
  if (
    typeof value !== 'string' ||
    value.length > 200 ||
    !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(value) ||
    value.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    throw new InvalidOptionsError(
      `${what} must be a path like /api/jobs (letters, digits, . _ ~ -), got ${JSON.stringify(value)}`,
    );
  }
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

/** Checks a positive integer option. */
export function positiveInteger(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionsError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a metrics source. */
export function checkMetricsSource(value: unknown): MetricsSource | undefined {
  if (value === undefined) return undefined;
  const source = value as MetricsSource;
  if (typeof source !== 'object' || source === null || typeof source.metrics !== 'function') {
    throw new InvalidOptionsError(
      'metrics must have metrics(): Promise<string> and contentType (a prom-client Registry)',
    );
  }
  if (typeof source.contentType !== 'string' || source.contentType.length === 0) {
    throw new InvalidOptionsError('metrics.contentType must be a non-empty string');
  }
  return source;
}
