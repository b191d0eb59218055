/**
 * The OpenAPI document: generated from the schemas that validate requests, valid
 * OpenAPI 3.1 by a real validator, and complete (every registered route is in it).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, ROUTE_POLICIES, type ServedApi } from '../src/index.js';
import { type Backend, openBackend } from './support/backends.js';
import { call, serveForTest, testAuth } from './support/http.js';

const METRICS = { metrics: async () => 'up 1\n', contentType: 'text/plain; version=0.0.4' };

describe('OpenAPI document', () => {
  let backend: Backend;
  let served: ServedApi;
  let document: any;
  beforeAll(async () => {
    backend = await openBackend('memory');
    served = await serveForTest(backend.yard, { basePath: '/ops/api', metrics: METRICS });
    const response = await call(served, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => {
    await served?.close();
    await backend?.close();
  });

  it('is valid OpenAPI 3.1 according to @seriousme/openapi-schema-validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.servers).toEqual([{ url: '/ops/api' }]);
    // The validator does reject a broken document.
    const broken = structuredClone(document);
    broken.paths['/jobs'].get.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists every route the app registered, with its method', () => {
    const api = createApi(backend.yard, { auth: testAuth, basePath: '/ops/api', metrics: METRICS });
    const registered = api.routes
      .filter((route) => route.method !== 'ALL' && route.path.startsWith('/ops/api/'))
      .map((route) => `${route.method} ${route.path.slice('/ops/api'.length).replace(/:(\w+)/g, '{$1}')}`);
    const unique = [...new Set(registered)].sort();
    expect(unique).toEqual(Object.keys(ROUTE_POLICIES).sort());
    for (const key of unique) {
      const [method, path] = key.split(' ') as [string, string];
      expect(
        document.paths[path]?.[method.toLowerCase()],
        `${key} is missing from the document`,
      ).toBeDefined();
    }
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(unique);
  });

  it('describes request validation from the same schemas (a documented limit is enforced)', async () => {
    const limit = document.paths['/jobs'].get.parameters.find((parameter: any) => parameter.name === 'limit');
    expect(limit.schema.maximum).toBe(1000);
    expect((await call(served, 'GET', '/jobs?limit=1001', { as: 'viewer' })).status).toBe(400);
    expect((await call(served, 'GET', '/jobs?limit=1000', { as: 'viewer' })).status).toBe(200);
    const enqueue = document.components.schemas.EnqueueRequest;
    expect(enqueue.required).toContain('task');
    expect(enqueue.additionalProperties).toBe(false);
    expect(document.paths['/health'].get.security).toEqual([]);
    expect(document.paths['/jobs'].get.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
