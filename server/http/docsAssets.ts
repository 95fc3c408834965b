/**
 * Our two small files of the /docs page, kept as strings in compiled code so that the tsc build
 * (which copies no assets) and the container image carry them. The page may run no inline script
 * (`script-src 'self'`), so Swagger UI starts from DOCS_BOOT_JS, served as /docs/assets/docs.js.
 */

/** Starts Swagger UI on the OpenAPI document; no validator badge (it would call out to a host). */
export const DOCS_BOOT_JS = `'use strict';
window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  validatorUrl: null,
});
`;

/** The page frame and the socket events section; Swagger UI's own CSS styles its part. */
export const DOCS_CSS = `body { margin: 0; font-family: system-ui, sans-serif; color: #3b4151; }
.kefu-nav { display: flex; gap: 1.5em; align-items: baseline; flex-wrap: wrap; padding: 0.8em 20px; background: #1b1b1b; color: #fff; }
.kefu-nav strong { font-size: 1.2em; }
.kefu-nav a { color: #9fd3ff; }
.kefu-events { max-width: 1460px; margin: 0 auto; padding: 0 20px 3em; box-sizing: border-box; }
.kefu-events > p { max-width: 60em; line-height: 1.5; }
.kefu-event { border: 1px solid #d0d7de; border-radius: 4px; margin: 1em 0; padding: 0 1em 1em; }
.kefu-event.client { border-left: 6px solid #49cc90; }
.kefu-event.server { border-left: 6px solid #61affe; }
.kefu-event h3 { font-size: 1.1em; }
.kefu-event h3 code { font-size: 1.05em; }
.kefu-direction { display: inline-block; min-width: 9em; font-weight: normal; color: #57606a; }
.kefu-event h4 { margin: 0.8em 0 0.3em; font-size: 0.95em; }
.kefu-event pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; font-size: 0.85em; margin: 0; }
.kefu-event code { font-family: ui-monospace, monospace; }
.kefu-event details { margin: 0.4em 0; }
.kefu-event summary { cursor: pointer; font-weight: 600; font-size: 0.95em; }
`;
