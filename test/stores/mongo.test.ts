/**
 * The store contract against MongoDB, when MONGODB_URI points at a server; each test gets its own
 * database, dropped afterwards. It runs twice: in the mode the deployment supports (transactions on a
 * replica set) and forced into the retry-safe order of writes used on a standalone server.
 * No server can run on CI machines, so there this file reports one pending test saying why.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { MongoStore } from '../../server/stores/mongo/mongoStore.js';
import { storeContract } from './contract.js';

const uri = process.env.MONGODB_URI;

if (!uri) {
  describe('MongoDB store contract', () => {
    it('SKIPPED — MONGODB_URI is not set; run MONGODB_URI=mongodb://localhost:27017/?replicaSet=rs0 npm test');
  });
} else {
  for (const mode of [{ name: 'MongoDB', transactions: undefined }, { name: 'MongoDB (retry-safe writes, no transactions)', transactions: false }]) {
    storeContract(mode.name, async () => {
      const dbName = `kefu_test_${randomBytes(6).toString('hex')}`;
      const store = await MongoStore.connect(uri, { transactions: mode.transactions, dbName });
      return {
        store,
        async destroy() {
          await store.close();
          const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
          await admin.dropDatabase();
          await admin.close();
        },
      };
    });
  }
}
