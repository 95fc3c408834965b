/**
 * The store contract: one suite, written once, run against every store (SQLite always, MongoDB when
 * MONGODB_URI is set). Each part gets a fresh store from the factory, so stores are compared on
 * exactly the same operations and expectations.
 */
import type { Store } from '../../server/stores/types.js';
import { accountsContract } from './contract/accounts.js';
import { capacityContract } from './contract/capacity.js';
import { messagesContract } from './contract/messages.js';
import { outboxContract } from './contract/outbox.js';
import { questionsContract } from './contract/questions.js';
import { recordRulesContract } from './contract/recordRules.js';
import { resourcesContract } from './contract/resources.js';
import type { StoreFactory } from './contract/support.js';

export type { StoreFactory };

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, function () {
    this.timeout(120_000);
    const holder: { store: Store } = { store: undefined as unknown as Store };
    let destroy: () => Promise<void>;

    beforeEach(async () => {
      const opened = await factory();
      holder.store = opened.store;
      destroy = opened.destroy;
    });
    afterEach(async () => {
      await destroy?.();
    });

    const store = () => holder.store;
    accountsContract(store);
    questionsContract(store);
    capacityContract(store);
    messagesContract(store);
    resourcesContract(store);
    outboxContract(store);
    recordRulesContract(store);
  });
}
