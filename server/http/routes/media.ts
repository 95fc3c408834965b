/**
 * GET /v1/media/<kind>/<id>.<ext>: stored images and audio. Ids are 96 random bits written as 24 hex
 * characters (newMediaId), so names are unguessable, and the bytes never change: they are public and
 * cached for a year. Single byte ranges are honoured (mobile audio players ask for them).
 */
import { Router } from 'express';
import { ApiError } from '../../../shared/errors.js';
import { mediaInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';

/** Serves stored media; mounted under /v1. */
export function mediaRouter(deps: Deps): Router {
  const router = Router();

  router.get('/media/:kind/:file', async (req, res) => {
    // A name that could never have been issued (unknown kind, not <24 hex>.<ext>) is just as
    // unknown as a well-formed one that was not: both are 404, never a parameter error.
    const parsed = mediaInput.safeParse(req.params);
    if (!parsed.success) throw new ApiError('not_found', 'no such media');
    const [id, ext] = parsed.data.file.split('.') as [string, string];
    const media = await deps.store.media.getMedia(parsed.data.kind, id);
    if (!media || media.ext !== ext) throw new ApiError('not_found', 'no such media');

    res.setHeader('Content-Type', media.contentType);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', 'inline');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', `"${media.id}"`);
    // Media have their own CSP: nothing in them may run, even if opened as a document.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");

    if (matchesEtag(req.get('if-none-match'), `"${media.id}"`)) {
      res.status(304).end();
      return;
    }
    const range = parseRange(req.get('range'), media.bytes.length);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${media.bytes.length}`);
      res.status(416).end();
      return;
    }
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${media.bytes.length}`);
      res.end(media.bytes.subarray(range.start, range.end + 1));
      return;
    }
    res.setHeader('Content-Length', String(media.bytes.length));
    res.end(req.method === 'HEAD' ? undefined : media.bytes);
  });

  return router;
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole. Not Express's
 * req.range (the `range-parser` package): it answers `bytes=20-10`, which RFC 9110 §14.1.1 calls
 * invalid (a header to ignore), with 416 as if unsatisfiable, and takes spaces inside a range.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    // last < first is not a range at all (RFC 9110 §14.1.1): ignored, the whole file is served.
    if (match[2] !== '' && Number(match[2]) < start) return null;
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * If-None-Match holds `*`, the tag, or a list containing it (weak comparison, RFC 9110 §13.1.2).
 * Not Express's req.fresh (the `fresh` package): it calls any request with Cache-Control: no-cache
 * stale, and fetch() adds that header to every request whose If-None-Match is set by hand, so an
 * app revalidating its media through fetch() would never get its 304.
 */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
