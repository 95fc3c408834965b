/**
 * The API reference at /docs: Swagger UI renders /v1/openapi.json, and a static section lists the
 * socket events of /v1/asyncapi.json. Everything comes from this origin: Swagger UI's files are
 * served from the swagger-ui-dist package under /docs/assets/, by name from a fixed list (nothing
 * else of node_modules is reachable), and the page runs under its own strict CSP instead of the
 * API's `default-src 'none'`: no inline script, no inline style, no host but 'self'.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type Response } from 'express';
import { asyncApiDocument } from './asyncapi.js';
import { DOCS_BOOT_JS, DOCS_CSS } from './docsAssets.js';
import { eventsSectionHtml } from './eventsSection.js';

/** The page's CSP. `data:` images are Swagger UI's CSS icons (inline SVG in url()). */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Assets are revalidated daily by ETag; their URLs carry a content hash, so an upgrade is seen at once. */
const ASSET_CACHE = 'public, max-age=86400';

const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

type Asset = { type: string } & ({ file: string } | { body: string });

/** Everything /docs/assets/ serves, by file name. */
export const DOCS_ASSETS: Record<string, Asset> = {
  'swagger-ui-bundle.js': { type: 'text/javascript', file: path.join(SWAGGER_DIR, 'swagger-ui-bundle.js') },
  'swagger-ui.css': { type: 'text/css', file: path.join(SWAGGER_DIR, 'swagger-ui.css') },
  'favicon-32x32.png': { type: 'image/png', file: path.join(SWAGGER_DIR, 'favicon-32x32.png') },
  'docs.js': { type: 'text/javascript', body: DOCS_BOOT_JS },
  'docs.css': { type: 'text/css', body: DOCS_CSS },
};

const versions = new Map<string, string>();
function assetUrl(name: string): string {
  let version = versions.get(name);
  if (!version) {
    const asset = DOCS_ASSETS[name]!;
    const content = 'file' in asset ? readFileSync(asset.file) : asset.body;
    version = createHash('sha256').update(content).digest('hex').slice(0, 12);
    versions.set(name, version);
  }
  return `/docs/assets/${name}?v=${version}`;
}

let page: string | undefined;
function docsHtml(): string {
  page ??= `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kefu API reference</title>
<link rel="icon" type="image/png" href="${assetUrl('favicon-32x32.png')}">
<link rel="stylesheet" href="${assetUrl('swagger-ui.css')}">
<link rel="stylesheet" href="${assetUrl('docs.css')}">
</head>
<body>
<nav class="kefu-nav"><strong>kefu API reference</strong>
<a href="#swagger-ui">REST endpoints</a> <a href="#socket-events">Socket events</a>
<a href="/v1/openapi.json">openapi.json</a> <a href="/v1/asyncapi.json">asyncapi.json</a></nav>
<main>
<div id="swagger-ui"></div>
${eventsSectionHtml()}
</main>
<script src="${assetUrl('swagger-ui-bundle.js')}"></script>
<script src="${assetUrl('docs.js')}"></script>
</body>
</html>
`;
  return page;
}

function sendAsset(res: Response, asset: Asset) {
  res.setHeader('Cache-Control', ASSET_CACHE);
  res.type(asset.type);
  if ('body' in asset) res.send(asset.body);
  else res.sendFile(asset.file, { cacheControl: false });
}

/** `/docs`, `/docs/assets/<file>` and `/v1/asyncapi.json`, mounted at the root. */
export function docsPageRouter(): Router {
  const router = Router();

  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(docsHtml());
  });

  router.get('/docs/assets/:file', (req, res, next) => {
    const asset = Object.hasOwn(DOCS_ASSETS, req.params.file) ? DOCS_ASSETS[req.params.file] : undefined;
    if (!asset) return next();
    sendAsset(res, asset);
  });

  router.get('/v1/asyncapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(asyncApiDocument());
  });

  return router;
}
