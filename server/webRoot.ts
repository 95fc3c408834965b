/** Where the built web pages (the desk, the chat page) live; the server serves them, scripts measure them. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `vite build` writes: dist/web beside dist/server, whether this file runs from server/ or dist/server/. */
export function defaultWebRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repo = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
  return path.join(repo, 'dist', 'web');
}

