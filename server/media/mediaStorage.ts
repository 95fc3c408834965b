/** Stores processed media through the store and names them by their public path. */
import type { Store, MediaKind } from '../stores/types.js';
import { newObjectId } from '../stores/objectId.js';

export function mediaPath(kind: MediaKind, id: string, ext: string): string {
  return `/v1/media/${kind}/${id}.${ext}`;
}

export async function storeMedia(store: Store, kind: MediaKind, bytes: Buffer, contentType: string, ext: string) {
  const id = newObjectId();
  await store.putMedia({ id, kind, contentType, ext, bytes });
  return mediaPath(kind, id, ext);
}
