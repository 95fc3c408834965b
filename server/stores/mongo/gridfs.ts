/**
 * Media in GridFS, one bucket per kind (`image.files`/`image.chunks`, `audio.*`). The file's `_id`
 * is the media id (96 random bits as 24 hex characters, held in an ObjectId-typed `_id`; not a
 * time-and-counter ObjectId) and its metadata holds the content type and extension the routes serve.
 */
import { finished } from 'node:stream/promises';
import mongoose, { type Connection } from 'mongoose';
import type { MediaKind, MediaRecord } from '../types.js';
import type { MediaFileDoc, Models } from './models.js';
import { byObjectId, oid, s } from './queries.js';

export class MongoMedia {
  constructor(
    private readonly connection: Connection,
    private readonly models: Models,
  ) {}

  private bucket(kind: MediaKind) {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    // The bucket name comes from our closed MediaKind, never from the request's path text.
    const bucketName = kind === 'audio' ? 'audio' : 'image';
    return new mongoose.mongo.GridFSBucket(db, { bucketName, writeConcern: { w: 'majority' } });
  }

  async put(media: MediaRecord): Promise<void> {
    const upload = this.bucket(media.kind).openUploadStreamWithId(oid(media.id), `${s(media.id)}.${s(media.ext)}`, {
      metadata: { contentType: s(media.contentType), ext: s(media.ext) },
    });
    upload.end(media.bytes);
    await finished(upload);
  }

  async get(kind: MediaKind, id: string): Promise<MediaRecord | null> {
    if (kind !== 'image' && kind !== 'audio') return null;
    // Ids come from URL paths: anything that is not 24 hex characters is simply not found.
    let query;
    try {
      query = byObjectId(id);
    } catch {
      return null;
    }
    const file = await this.models.MediaFile[kind].findOne(query.filter).lean<MediaFileDoc>().exec();
    if (!file?.metadata) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket(kind).openDownloadStream(file._id)) chunks.push(chunk as Buffer);
    return { id, kind, contentType: file.metadata.contentType, ext: file.metadata.ext, bytes: Buffer.concat(chunks) };
  }
}
