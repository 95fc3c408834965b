/** Placeholder so the type check passes while the MongoDB store is being written. */
import type { Store } from '../types.js';

export class MongoStore {
  static async connect(_uri: string): Promise<Store> {
    throw new Error('the MongoDB store is not implemented yet');
  }
}
