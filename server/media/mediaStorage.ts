/** Stores processed media through the store and names them by their public path. */
import { randomBytes } from 'node:crypto';
import type { Store, MediaKind } from '../stores/types.js';

export function mediaPath(kind: MediaKind, id: string, ext: string): string {
  return `/v1/media/${kind}/${id}.${ext}`;
}

/**
 * Media are served without a session (apps load them as plain <img>/<audio> URLs), so the URL is
 * the capability: 96 random bits, not a time-and-counter ObjectId a neighbour's id would reveal.
 * Still 24 hex characters, so MongoDB keeps them in an ObjectId-typed `_id` (SQLite as text).
 */
export function newMediaId(): string {
  return randomBytes(12).toString('hex');
}

export async function storeMedia(store: Store, kind: MediaKind, bytes: Buffer, contentType: string, ext: string) {
  const id = newMediaId();
  await store.media.putMedia({ id, kind, contentType, ext, bytes });
  return mediaPath(kind, id, ext);
}
