/** Test helpers: tokens for each role, a served API on a free loopback port, raw requests. */
import type { Switchyard } from '@switchyard/core';
import {
  bearerTokens,
  hashToken,
  newToken,
  type ServeApiOptions,
  type ServedApi,
  serveApi,
} from '../../src/index.js';

/** One token per role. */
export const TOKENS = { viewer: newToken(), operator: newToken(), admin: newToken() } as const;

/** The authenticator of the tests. */
export const testAuth = bearerTokens(
  (['viewer', 'operator', 'admin'] as const).map((role) => ({
    name: `${role}-user`,
    role,
    tokenHash: hashToken(TOKENS[role]),
  })),
);

/** Limits high enough for the tests that are not about limits. */
export const ROOMY_LIMITS = {
  read: { points: 100_000, duration: 60 },
  write: { points: 100_000, duration: 60 },
  events: { points: 100_000, duration: 60 },
  unauthenticated: { points: 100_000, duration: 60 },
};

/** Serves the API on 127.0.0.1 and a free port. */
export function serveForTest(yard: Switchyard, options: Partial<ServeApiOptions> = {}): Promise<ServedApi> {
  return serveApi(yard, { auth: testAuth, port: 0, rateLimit: ROOMY_LIMITS, ...options });
}

/** A request with a role's token (or none, or a raw Authorization value). */
export async function call(
  served: { url: string },
  method: string,
  path: string,
  options: {
    as?: keyof typeof TOKENS | null;
    authorization?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.as) headers.authorization = `Bearer ${TOKENS[options.as]}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${served.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: response.status, body: parsed, headers: response.headers };
}
