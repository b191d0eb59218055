/** What every route shares: the yard, the auth and limits, and the Hono environment type. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Switchyard } from '@switchyard/core';
import type { RouteKey } from './access-policy.js';
import type { Authenticator } from './authenticate.js';
import type { MetricsSource } from './options.js';
import type { RateLimits } from './rate-limit.js';
import type { Redactor } from './redact.js';
import type { Principal } from './roles.js';

/** The Hono environment of the API's routes. */
export interface ApiEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    principal: Principal;
    routeKey: RouteKey;
    /** The job or schedule a write touched, for the audit line. */
    auditTarget: { jobId?: string; queue?: string; scheduleKey?: string };
  };
}

/** Shared by every route of one API. */
export interface ApiRuntime {
  yard: Switchyard;
  authenticator: Authenticator;
  limits?: RateLimits;
  redactor?: Redactor;
  logger: Logger;
  basePath: string;
  heartbeatMs: number;
  /** Largest request body, bytes. */
  bodyLimit: number;
  metrics?: MetricsSource;
  publicMetrics: boolean;
  /** Open event streams, ended by `api.close()`. */
  streams: Set<{ end(): void }>;
}
