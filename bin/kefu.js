#!/usr/bin/env node
/**
 * The kefu CLI's entry (`npm run -s kefu -- …`, `node bin/kefu.js …`, or `kefu` where the package
 * is installed). It runs the prebuilt dist/scripts/kefu.js when `npm run build` made it and no
 * TypeScript source is newer, and otherwise the sources through tsx, which costs about a second of
 * start-up per call (README, "Provisioning CLI", has the figures). Plain JavaScript, so choosing
 * costs nothing but a few dozen stat calls.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist/scripts/kefu.js');
/** What the built CLI is compiled from (tsconfig.build.json). */
const SOURCES = ['scripts/kefu.ts', 'scripts/cli', 'server', 'shared'];

/** The newest modification time of the .ts files under `target` (0 when there are none). */
function newestSource(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return target.endsWith('.ts') ? stat.mtimeMs : 0;
  let newest = 0;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestSource(path.join(target, entry)));
  return newest;
}

function builtIsCurrent() {
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.every((source) => newestSource(path.join(root, source)) <= builtAt);
}

let entry = built;
if (!builtIsCurrent()) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(root, 'scripts/kefu.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
