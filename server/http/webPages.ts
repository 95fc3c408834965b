/**
 * The browser pages: the agent desk (/desk), the customer chat page (/chat), their hashed assets
 * (/assets, built by Vite from desk/ into dist/web) and the landing page (/). The API's own CSP
 * (`default-src 'none'`) is replaced here by one that lets the pages load their scripts, styles and
 * media from this origin only; nothing inline ever runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import escapeHtml from 'escape-html';
import { defaultWebRoot } from '../webRoot.js';

/** The pages' CSP: scripts and sockets from this origin only; media may come from app CDNs. */
export const WEB_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob: https: http:",
  "media-src 'self' blob: https: http:",
  "style-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The landing and "not built" pages run no script at all; their only styles are inline. */
const LANDING_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGES = { desk: 'desk/index.html', chat: 'chat/index.html' } as const;

function sendHtml(res: Response, status: number, html: string, csp: string): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('Cache-Control', 'no-cache');
  res.type('html').send(html);
}

function unbuiltPage(page: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kefu: the ${page} page is not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; margin: 40px; max-width: 640px">
<h1>The ${escapeHtml(page)} page is not built</h1>
<p>This kefu server has no built web pages. Build them with <code>npm run build:web</code>
(or <code>npm install</code>, which builds them), then reload this page.</p>
</body></html>`;
}

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kefu</title>
<style>
  body { font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 40px 24px; color: #1f2328; }
  main { max-width: 560px; margin: 0 auto; }
  h1 { margin: 0 0 4px; } p { color: #57606a; margin: 0 0 24px; }
  li { margin: 8px 0; } a { color: #0a58ca; }
</style></head>
<body><main>
<h1>kefu</h1>
<p>A customer-support chat server: a live question queue for apps and the agents who answer them.</p>
<ul>
  <li><a href="/desk">Agent desk</a>: sign in as an agent, take questions, chat.</li>
  <li><a href="/chat">Customer chat page</a>: open it with <code>/chat#session=…&amp;user_id=…</code> (<code>npm run demo</code> prints links).</li>
  <li><a href="/docs">API reference</a></li>
  <li><a href="/v1/openapi.json">OpenAPI document</a></li>
  <li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a>: health probes</li>
</ul>
</main></body></html>`;

/** Mounts /, /desk, /chat and /assets; answers 503 with build instructions while dist/web is missing. */
export function webPagesRouter(webRoot: string = defaultWebRoot()): Router {
  const router = Router();

  router.get('/', (_req, res) => sendHtml(res, 200, LANDING, LANDING_CSP));

  for (const [name, file] of Object.entries(PAGES)) {
    const serve = (_req: express.Request, res: Response) => {
      const full = path.join(webRoot, file);
      // Read per request: a rebuild is picked up without a restart, and index.html is small.
      if (!existsSync(full)) return sendHtml(res, 503, unbuiltPage(name), LANDING_CSP);
      sendHtml(res, 200, readFileSync(full, 'utf8'), WEB_PAGE_CSP);
    };
    router.get(`/${name}`, serve);
    router.get(`/${name}/`, serve);
  }

  router.use(
    '/assets',
    (_req, res, next) => {
      res.setHeader('Content-Security-Policy', WEB_PAGE_CSP);
      res.locals.routeTemplate = '/assets/:file';
      next();
    },
    express.static(path.join(webRoot, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      fallthrough: true,
    }),
  );
  return router;
}
