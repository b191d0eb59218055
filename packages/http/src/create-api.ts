/**
 * `createApi(yard, options)`: the REST API as a Hono app, mountable anywhere a web
 * `fetch` handler or a Node request listener fits, under a path prefix chosen at run time.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { InvalidOptionsError, type Logger, type Switchyard, silentLogger } from '@switchyard/core';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AuthOption, resolveAuth } from './authenticate.js';
import { checkDashboardOptions, type DashboardRuntimeConfig, dashboardHandler } from './dashboard.js';
import { routeOf } from './define-route.js';
import {
  type ApiOptions,
  checkMetricsSource,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HEARTBEAT_MS,
  normalizeBasePath,
  positiveInteger,
} from './options.js';
import {
  isExpectedError,
  type Problem,
  ProblemError,
  problem,
  problemFromError,
  problemResponse,
} from './problem.js';
import { RateLimits } from './rate-limit.js';
import { compileRedactor } from './redact.js';
import { registerEventRoutes } from './routes/events.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerOperationsRoutes } from './routes/operations.js';
import { registerQueueRoutes } from './routes/queues.js';
import { registerSystemRoutes } from './routes/system.js';
import type { ApiEnv, ApiRuntime } from './runtime.js';
import { SWITCHYARD_HTTP_VERSION } from './version.js';

/** Options of `createApi`. */
export type CreateApiOptions = ApiOptions;

/** The app `createApi` returns: a Hono app, plus what mounting and shutting down need. */
export type SwitchyardApi = Hono<ApiEnv> & {
  /** The API's path prefix (`''` for the root). */
  readonly apiBasePath: string;
  /** Every path prefix this app answers under (the API's, and the dashboard's when hosted). */
  readonly mountPaths: readonly string[];
  /** True when `pathname` belongs to this app (the Node handler passes other requests on). */
  handles(pathname: string): boolean;
  /** The OpenAPI 3.1 document served at `GET <basePath>/openapi.json`. */
  openApiDocument(): Record<string, unknown>;
  /** Ends every open event stream (call before closing the yard or the server). */
  close(): Promise<void>;
};

const STATUS_CODES: Record<number, Problem['code']> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The problem for a bare HTTP status (framework answers such as 415 or a malformed-JSON 400). */
function problemForStatus(status: number, detail?: string): Problem {
  const code = STATUS_CODES[status];
  if (code) return problem(status === 405 ? 404 : status, code, detail);
  return problem(500, 'INTERNAL', 'the server could not complete the request');
}

function checkYard(yard: unknown): Switchyard {
  const candidate = yard as Switchyard;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.enqueue !== 'function' ||
    typeof candidate.jobs?.list !== 'function'
  ) {
    throw new InvalidOptionsError('createApi needs a yard from createSwitchyard()');
  }
  return candidate;
}

/**
 * Builds the API over a yard. Throws `InvalidOptionsError` for a missing `auth` (the API
 * is closed by default; pass `auth: 'none'` to serve it open) or any malformed option.
 */
export function createApi(yard: Switchyard, options: CreateApiOptions): SwitchyardApi {
  checkYard(yard);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('createApi needs options with at least `auth`');
  }
  const auth = resolveAuth((options as { auth?: AuthOption }).auth);
  const logger: Logger = options.logger ?? yard.logger ?? silentLogger;
  const basePath = normalizeBasePath(options.basePath);
  const dashboard = options.dashboard ? checkDashboardOptions(options.dashboard) : undefined;
  if (
    dashboard &&
    basePath !== '' &&
    (dashboard.path === basePath || dashboard.path.startsWith(`${basePath}/`))
  ) {
    throw new InvalidOptionsError(
      'dashboard.path must not lie inside the API basePath; mount them side by side',
    );
  }
  const metrics = checkMetricsSource(options.metrics);
  const runtime: ApiRuntime = {
    yard,
    authenticator: auth.authenticator,
    ...(options.rateLimit === false ? {} : { limits: new RateLimits(options.rateLimit ?? {}) }),
    ...(options.redact !== undefined ? { redactor: compileRedactor(options.redact) } : {}),
    logger,
    basePath,
    heartbeatMs: positiveInteger(options.heartbeatMs, DEFAULT_HEARTBEAT_MS, 'heartbeatMs'),
    bodyLimit: positiveInteger(options.bodyLimit, DEFAULT_BODY_LIMIT, 'bodyLimit'),
    ...(metrics ? { metrics } : {}),
    publicMetrics: options.publicMetrics === true,
    streams: new Set(),
  };
  if (auth.open) {
    logger.warn(
      { basePath: basePath || '/' },
      "switchyard http: auth is 'none' — every caller is admin; serve this only on a trusted network",
    );
  }

  const onError = (error: Error): Response => {
    if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
    if (error instanceof HTTPException) {
      const status = error.status;
      return problemResponse(
        problemForStatus(status, status === 400 ? 'the request body is not valid JSON' : undefined),
      );
    }
    if (!isExpectedError(error) || problemFromError(error).status >= 500) {
      logger.error({ err: error }, 'switchyard http: request failed');
    }
    return problemResponse(problemFromError(error));
  };

  const api = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        path: [result.target, ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      return problemResponse(
        problem(400, 'INVALID_REQUEST', `the request's ${result.target} is invalid`, { issues }),
      );
    },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from bearerTokens([...]), or whatever the app authenticates',
  });
  registerSystemRoutes(api, runtime);
  registerJobRoutes(api, runtime);
  registerOperationsRoutes(api, runtime);
  registerQueueRoutes(api, runtime);
  registerEventRoutes(api, runtime);

  let document: Record<string, unknown> | undefined;
  const openApiDocument = (): Record<string, unknown> => {
    document ??= api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Switchyard jobs API',
        version: SWITCHYARD_HTTP_VERSION,
        description:
          'Jobs, queues, schedules, workers, statistics and live events of a Switchyard yard. Errors are RFC 9457 problem details with a stable `code`.',
      },
      servers: [{ url: basePath || '/' }],
      security: [{ bearer: [] }],
    }) as unknown as Record<string, unknown>;
    return document;
  };
  api.openapi(
    createRoute({
      ...routeOf(runtime, 'GET /openapi.json'),
      tags: ['system'],
      summary: 'This document (OpenAPI 3.1)',
      responses: {
        200: { description: 'The OpenAPI document', content: { 'application/json': { schema: {} } } },
      },
    }),
    (c) => c.json(openApiDocument() as never, 200),
  );
  api.onError(onError);

  const app = new Hono<ApiEnv>();
  // Framework answers (415, 404, ...) come as plain text; make every error a problem.
  app.use('*', async (c, next) => {
    await next();
    const status = c.res.status;
    if (status >= 400 && !(c.res.headers.get('content-type') ?? '').includes('json')) {
      const text = status === 415 ? 'the request body must be application/json' : undefined;
      c.res = problemResponse(problemForStatus(status, text));
    }
  });
  app.route(basePath || '/', api);
  const mountPaths = [basePath];
  if (dashboard) {
    const config: DashboardRuntimeConfig = {
      apiBaseUrl: dashboard.apiBaseUrl ?? basePath,
      basePath: dashboard.path,
      auth: dashboard.authMode ?? (auth.open ? 'none' : (auth.authenticator.kind ?? 'session')),
      ...(dashboard.traceUrl ? { traceUrlTemplate: dashboard.traceUrl } : {}),
    };
    const serve = dashboardHandler(dashboard, config, (error) =>
      logger.error({ err: error }, 'switchyard http: dashboard assets are unavailable'),
    );
    const handler = (c: { req: { path: string; method: string } }) =>
      serve(c.req.path.slice(dashboard.path.length) || '/', c.req.method);
    app.on(['GET', 'HEAD'], dashboard.path, handler);
    app.on(['GET', 'HEAD'], `${dashboard.path}/*`, handler);
    mountPaths.push(dashboard.path);
  }
  app.notFound(() => problemResponse(problem(404, 'NOT_FOUND', 'no such route')));
  app.onError(onError);

  const handles = (pathname: string): boolean =>
    mountPaths.some((mount) => mount === '' || pathname === mount || pathname.startsWith(`${mount}/`));
  return Object.assign(app, {
    apiBasePath: basePath,
    mountPaths,
    handles,
    openApiDocument,
    close: async () => {
      for (const stream of [...runtime.streams]) stream.end();
    },
  });
}
