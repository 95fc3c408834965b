/** Image and audio in the embedded store: bytes in files under DATA_DIR/media, the index in the database. */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { MediaKind, MediaRecord, MediaStore } from '../types.js';
import type { SqliteDb } from './db.js';

export class SqliteMedia implements MediaStore {
  constructor(private readonly db: SqliteDb) {}

  private mediaFile(kind: MediaKind, id: string, ext: string): string {
    return path.join(this.db.mediaDir, kind, `${id}.${ext}`);
  }

  async putMedia(media: MediaRecord): Promise<void> {
    // The file is complete and on disk before the row that points at it exists.
    const file = this.mediaFile(media.kind, media.id, media.ext);
    const temporary = `${file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, media.bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    await this.db.write(() =>
      this.db.run('INSERT INTO media (id, kind, content_type, ext) VALUES (?, ?, ?, ?)', [media.id, media.kind, media.contentType, media.ext]),
    );
  }

  async getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null> {
    const row = this.db.get<{ id: string; kind: MediaKind; content_type: string; ext: string }>(
      'SELECT * FROM media WHERE id = ? AND kind = ?',
      [id, kind],
    );
    if (!row) return null;
    const file = this.mediaFile(kind, id, row.ext);
    if (!existsSync(file)) return null;
    return { id: row.id, kind: row.kind, contentType: row.content_type, ext: row.ext, bytes: readFileSync(file) };
  }
}
