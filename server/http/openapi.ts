/** The OpenAPI 3.1 document, generated once from the endpoint catalogue and the zod schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { ENDPOINTS, type Endpoint } from '../../shared/endpoints.js';
import { errorReply } from '../../shared/schemas/responses.js';
import { codeTablesMarkdown } from './codeTables.js';

function pathParams(path: string): string[] {
  return [...path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
}

function register(registry: OpenAPIRegistry, endpoint: Endpoint) {
  const params = pathParams(endpoint.path);
  const shape = endpoint.input?.shape ?? {};
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => k in shape).map((k) => [k, shape[k]!]));
  const others = Object.keys(shape).filter((k) => !params.includes(k));
  const request: Record<string, unknown> = {};
  if (params.length) request.params = z.object(pick(params));
  if (endpoint.method === 'get') {
    if (others.length) request.query = z.object(pick(others));
  } else if (others.length) {
    const body = z.object(pick(others));
    request.body = { content: { 'application/json': { schema: body }, 'application/x-www-form-urlencoded': { schema: body } } };
  }
  const success = endpoint.reply
    ? { description: 'Success', content: { 'application/json': { schema: endpoint.reply } } }
    : { description: 'Success', content: endpoint.produces ? { [endpoint.produces]: { schema: z.string() } } : undefined };
  registry.registerPath({
    method: endpoint.method,
    path: endpoint.path.replace(/:([a-z_]+)/g, '{$1}'),
    summary: endpoint.summary,
    description: `Caller: ${endpoint.caller}.`,
    tags: [endpoint.path.split('/')[2] ?? 'ops'],
    request: request as never,
    responses: {
      200: success as never,
      default: { description: 'Error envelope', content: { 'application/json': { schema: errorReply } } },
    },
  });
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'header', name: 'X-Session' });
  registry.registerComponent('securitySchemes', 'admin', { type: 'http', scheme: 'bearer' });
  for (const endpoint of ENDPOINTS) register(registry, endpoint);
  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'kefu',
      version: '1',
      description: [
        'Customer-support chat: questions from app users, a live queue for agents. Errors use the envelope `{status:300,error,field?,debug}`.',
        'The socket events are in the AsyncAPI document `/v1/asyncapi.json` (and on the `/docs` page); the full contract is docs/api.md.',
        codeTablesMarkdown(),
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
  });
  return cached;
}

export function openApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument());
  });
  return router;
}
