/**
 * The layering STYLE.md describes, checked on the import lines: HTTP is one transport among
 * several, so nothing outside server/http (and the app that mounts it) may depend on it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const full = path.join(root, dir);
  return readdirSync(full).flatMap((name) => {
    const file = path.join(full, name);
    if (statSync(file).isDirectory()) return sources(path.join(dir, name));
    return name.endsWith('.ts') ? [path.join(dir, name)] : [];
  });
}

/** Relative import specifiers of a file, resolved against the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*from\s+'(\.[^']+)'/gm)].map((m) =>
    path.relative(root, path.resolve(path.dirname(path.join(root, file)), m[1]!)),
  );
}

describe('architecture: who may import server/http', () => {
  for (const dir of ['server/realtime', 'server/domain', 'server/jobs', 'server/stores', 'server/media', 'server/metrics', 'scripts']) {
    it(`${dir}/ imports nothing from server/http/`, () => {
      const offending = sources(dir).flatMap((file) =>
        importsOf(file)
          .filter((target) => target.startsWith(`server${path.sep}http${path.sep}`))
          .map((target) => `${file} → ${target}`),
      );
      assert.deepEqual(offending, []);
    });
  }

  it('finds the imports it checks (a broken scan cannot pass silently)', () => {
    assert.ok(importsOf('server/app.ts').some((target) => target.startsWith(`server${path.sep}http${path.sep}`)));
  });
});
