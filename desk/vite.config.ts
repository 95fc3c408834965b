/**
 * The desk and the chat page: one Vite project, two entry pages, built into dist/web, which the
 * server serves under /desk, /chat and /assets (hashed, immutable).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // The polyfill would be fine under the CSP, but every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { desk: here('desk/index.html'), chat: here('chat/index.html') },
    },
  },
});
