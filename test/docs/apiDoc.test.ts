/**
 * docs/api.md is the contract an app developer reads, so it must name everything the code offers:
 * every endpoint of the catalogue, every error code with its HTTP status, every socket event. The
 * checks read the document as text with the conventions it states:
 *
 * - an endpoint is a heading that is exactly `METHOD /path`, Express's `:param` written `<param>`
 *   (`POST /v1/question/<question_id>/serve`);
 * - an error code is a row `| \`code\` | <HTTP status> | … |` of the table under "## Errors";
 * - a socket event is a heading "client → server: `name`" or "server → client: `name`".
 *
 * Each check returns what it misses, so the last tests can prove it fails: they delete one line
 * from a copy of the document and expect exactly that item back.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENDPOINTS, type Endpoint } from '../../shared/endpoints.js';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors.js';
import { CLIENT_EVENT_NAMES, serverEventSchemas } from '../../shared/events.js';

const root = path.resolve(import.meta.dirname, '../..');
const docPath = path.join(root, 'docs/api.md');
const doc = readFileSync(docPath, 'utf8');

/** How docs/api.md writes an endpoint: `POST /v1/question/<question_id>/serve`. */
export function endpointNotation(endpoint: Pick<Endpoint, 'method' | 'path'>): string {
  return `${endpoint.method.toUpperCase()} ${endpoint.path.replace(/:([a-z_]+)/g, '<$1>')}`;
}

const headings = (text: string) =>
  text
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => line.replace(/^#+ /, '').trim());

/** Catalogue endpoints without a heading of their own. */
function missingEndpoints(text: string): string[] {
  const present = new Set(headings(text));
  return ENDPOINTS.map(endpointNotation).filter((notation) => !present.has(`\`${notation}\``));
}

/** Endpoint headings that name no catalogue endpoint (a renamed or invented path). */
function unknownEndpoints(text: string): string[] {
  const catalogue = new Set(ENDPOINTS.map(endpointNotation));
  return headings(text)
    .map((h) => /^`((?:GET|POST|DELETE) \/[^`]*)`$/.exec(h)?.[1])
    .filter((notation): notation is string => notation !== undefined && !catalogue.has(notation));
}

/** The rows of the "## Errors" table: code → the HTTP status written beside it. */
function errorRows(text: string): Map<string, string> {
  const start = text.indexOf('\n## Errors\n');
  assert.ok(start >= 0, 'docs/api.md has no "## Errors" section');
  const rest = text.slice(start + 1);
  const next = rest.indexOf('\n## ', 1);
  const section = next < 0 ? rest : rest.slice(0, next);
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\|\s*`([a-z_]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (cells) rows.set(cells[1]!, cells[2]!);
  }
  return rows;
}

/** Error codes without a row, or with another HTTP status than shared/errors.ts gives them. */
function missingErrors(text: string): string[] {
  const rows = errorRows(text);
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => rows.get(code) !== String(ERROR_STATUS[code]));
}

/** Rows of the error table naming a code that is not in the closed list. */
function unknownErrors(text: string): string[] {
  return [...errorRows(text).keys()].filter((code) => !(code in ERROR_STATUS));
}

function eventHeadings(text: string, direction: 'client → server' | 'server → client'): Set<string> {
  const names = headings(text)
    .map((h) => new RegExp(`^${direction}: \`([^\`]+)\`$`).exec(h)?.[1])
    .filter((name): name is string => name !== undefined);
  return new Set(names);
}

const SERVER_EVENTS = Object.keys(serverEventSchemas);

/** Socket events, both directions, without their heading. */
function missingEvents(text: string): string[] {
  const client = eventHeadings(text, 'client → server');
  const server = eventHeadings(text, 'server → client');
  return [
    ...CLIENT_EVENT_NAMES.filter((name) => !client.has(name)).map((name) => `client → server: ${name}`),
    ...SERVER_EVENTS.filter((name) => !server.has(name)).map((name) => `server → client: ${name}`),
  ];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(text)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** `[text](target)` links that point into the repository and do not resolve (file or anchor). */
function brokenLinks(text: string): string[] {
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [file, anchor] = target!.split('#') as [string, string | undefined];
    const filePath = file === '' ? docPath : path.resolve(path.dirname(docPath), file);
    if (!existsSync(filePath)) {
      broken.push(target!);
      continue;
    }
    if (anchor !== undefined && filePath.endsWith('.md') && !anchors(readFileSync(filePath, 'utf8')).has(anchor)) {
      broken.push(target!);
    }
  }
  return broken;
}

/** Removes the first line for which `pick` holds. */
function withoutLine(text: string, pick: (line: string) => boolean): string {
  const lines = text.split('\n');
  const index = lines.findIndex(pick);
  assert.ok(index >= 0, 'the line to delete is not in docs/api.md');
  lines.splice(index, 1);
  return lines.join('\n');
}

describe('docs/api.md, the API contract', () => {
  it('opens by naming the original document, kept beside it in docs/', () => {
    const opening = doc.split('\n').slice(0, 6).join('\n');
    assert.match(opening, /\(original-api\.zh\.rst\)/);
    assert.ok(existsSync(path.join(root, 'docs/original-api.zh.rst')), 'docs/original-api.zh.rst is missing');
  });

  it('has a heading for every endpoint of shared/endpoints.ts, and for no other', () => {
    assert.deepEqual(missingEndpoints(doc), [], 'endpoints missing from docs/api.md');
    assert.deepEqual(unknownEndpoints(doc), [], 'endpoint headings that are not in shared/endpoints.ts');
  });

  it('lists every error code of shared/errors.ts with its HTTP status, and no other code', () => {
    assert.deepEqual(missingErrors(doc), [], 'error codes missing from the "Errors" table (or with another status)');
    assert.deepEqual(unknownErrors(doc), [], 'codes in the "Errors" table that shared/errors.ts does not have');
  });

  it('has a heading for every socket event of shared/events.ts, in both directions', () => {
    assert.deepEqual(missingEvents(doc), []);
  });

  it('links only to files and headings that exist', () => {
    assert.deepEqual(brokenLinks(doc), []);
  });

  describe('each check fails when its line is gone', () => {
    it('an endpoint heading', () => {
      for (const endpoint of ENDPOINTS) {
        const notation = endpointNotation(endpoint);
        const text = withoutLine(doc, (line) => line.replace(/^#+ /, '') === `\`${notation}\``);
        assert.deepEqual(missingEndpoints(text), [notation]);
      }
      const invented = doc.replace('### `POST /v1/question/new`', '### `POST /v1/question/ask`');
      assert.deepEqual(unknownEndpoints(invented), ['POST /v1/question/ask']);
    });

    it('an error row, or its HTTP status', () => {
      for (const code of Object.keys(ERROR_STATUS)) {
        assert.deepEqual(missingErrors(withoutLine(doc, (line) => line.startsWith(`| \`${code}\` |`))), [code]);
      }
      const wrongStatus = doc.replace('| `question_taken` | 409 |', '| `question_taken` | 400 |');
      assert.deepEqual(missingErrors(wrongStatus), ['question_taken']);
      const invented = doc.replace('| `internal` | 500 |', '| `internal` | 500 |\n| `teapot` | 418 | invented |');
      assert.deepEqual(unknownErrors(invented), ['teapot']);
    });

    it('a socket event heading', () => {
      for (const name of CLIENT_EVENT_NAMES) {
        const text = withoutLine(doc, (line) => line.replace(/^#+ /, '') === `client → server: \`${name}\``);
        assert.deepEqual(missingEvents(text), [`client → server: ${name}`]);
      }
      for (const name of SERVER_EVENTS) {
        const text = withoutLine(doc, (line) => line.replace(/^#+ /, '') === `server → client: \`${name}\``);
        assert.deepEqual(missingEvents(text), [`server → client: ${name}`]);
      }
    });

    it('a link target', () => {
      assert.deepEqual(brokenLinks(doc.replace('(#paging)', '(#pagination)')), ['#pagination']);
      assert.deepEqual(brokenLinks(doc.replace('(jobs.md#push-webhook)', '(jobs.md#push-hooks)')), ['jobs.md#push-hooks']);
      assert.deepEqual(brokenLinks(doc.replace('(realtime.md)', '(scaling.md)')), ['scaling.md']);
    });
  });
});

describe('references to the API contract', () => {
  // The contract once lived outside the repository; every reference must now resolve inside it.
  const OUTSIDE = new RegExp(['API', 'md'].join('\\.'));
  const SKIP = new Set(['node_modules', '.git', 'dist', 'data']);

  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      if (SKIP.has(name)) return [];
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return files(full);
      return /\.(ts|md|json|cjs|js)$/.test(name) && name !== 'package-lock.json' ? [full] : [];
    });
  }

  it('name docs/api.md, never a document outside the repository', () => {
    const offenders = files(root).filter((file) => OUTSIDE.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders.map((file) => path.relative(root, file)), []);
  });
});
