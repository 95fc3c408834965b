/**
 * Media in GridFS, one bucket per kind (`image.files`/`image.chunks`, `audio.*`). The file's `_id`
 * is the media id and its metadata holds the content type and extension the media routes serve.
 */
import { finished } from 'node:stream/promises';
import mongoose, { type Connection } from 'mongoose';
import type { MediaKind, MediaRecord, MediaStore } from '../types.js';
import { mediaChunks, mediaFile, oid, s } from './queries.js';

/** The files document GridFS writes for each upload (the fields we read). */
interface FileDoc {
  _id: mongoose.Types.ObjectId;
  length: number;
  chunkSize: number;
  metadata?: { contentType?: string; ext?: string };
}

interface ChunkDoc {
  n: number;
  data: mongoose.mongo.Binary | Uint8Array;
}

interface Bucket {
  gridfs: mongoose.mongo.GridFSBucket;
  files: mongoose.mongo.Collection<FileDoc>;
  chunks: mongoose.mongo.Collection<ChunkDoc>;
}

const KINDS: readonly MediaKind[] = ['image', 'audio'];

export class MongoMedia implements MediaStore {
  /** One bucket per kind, made on first use and kept (a bucket is a light handle on two collections). */
  private readonly buckets = new Map<MediaKind, Bucket>();

  constructor(private readonly connection: Connection) {}

  private bucket(kind: MediaKind): Bucket {
    const cached = this.buckets.get(kind);
    if (cached) return cached;
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    // The bucket name comes from our closed MediaKind, never from the request's path text.
    const bucketName = kind === 'audio' ? 'audio' : 'image';
    const bucket: Bucket = {
      gridfs: new mongoose.mongo.GridFSBucket(db, { bucketName, writeConcern: { w: 'majority' } }),
      files: db.collection<FileDoc>(`${bucketName}.files`),
      chunks: db.collection<ChunkDoc>(`${bucketName}.chunks`),
    };
    this.buckets.set(kind, bucket);
    return bucket;
  }

  async putMedia(media: MediaRecord): Promise<void> {
    const upload = this.bucket(media.kind).gridfs.openUploadStreamWithId(oid(media.id), `${s(media.id)}.${s(media.ext)}`, {
      metadata: { contentType: s(media.contentType), ext: s(media.ext) },
    });
    upload.end(media.bytes);
    await finished(upload);
  }

  /**
   * Reads the files document once, then its chunks in order (GridFS's download stream would read
   * the files document a second time). Missing or short chunks answer null, as a missing file does.
   */
  async getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null> {
    if (!KINDS.includes(kind)) return null;
    // Ids come from URL paths: anything that is not an ObjectId is simply not found.
    let fileQuery;
    try {
      fileQuery = mediaFile(id);
    } catch {
      return null;
    }
    const bucket = this.bucket(kind);
    const file = await bucket.files.findOne(fileQuery.filter as never);
    if (!file?.metadata?.contentType || file.metadata.ext === undefined) return null;
    const chunksQuery = mediaChunks(file._id);
    const parts: Buffer[] = [];
    let expected = 0;
    for await (const chunk of bucket.chunks.find(chunksQuery.filter as never).sort(chunksQuery.sort!)) {
      if (chunk.n !== expected++) return null;
      const data = chunk.data instanceof Uint8Array ? chunk.data : chunk.data.value();
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== file.length) return null;
    return { id, kind, contentType: file.metadata.contentType, ext: file.metadata.ext, bytes };
  }
}
