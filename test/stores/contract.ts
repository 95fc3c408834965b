/**
 * The store contract: one suite, written once, run against every store (SQLite always, MongoDB when
 * MONGODB_URI is set). Each part gets a fresh store from the factory, so stores are compared on
 * exactly the same operations and expectations.
 */
import type { ClockOffset, Store } from '../../server/stores/types.js';
import { accountsContract } from './contract/accounts.js';
import { capacityContract } from './contract/capacity.js';
import { cyclesContract } from './contract/cycles.js';
import { messagesContract } from './contract/messages.js';
import { notesContract } from './contract/notes.js';
import { operatorListsContract } from './contract/operatorLists.js';
import { outboxContract } from './contract/outbox.js';
import { questionsContract } from './contract/questions.js';
import { recordRulesContract } from './contract/recordRules.js';
import { resourcesContract } from './contract/resources.js';
import { routingContract } from './contract/routing.js';
import type { StoreFactory } from './contract/support.js';
import { webhooksContract } from './contract/webhooks.js';
import { transferContract } from './contract/transfer.js';

export type { StoreFactory };

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, function () {
    this.timeout(120_000);
    const holder: { store: Store } = { store: undefined as unknown as Store };
    const clock: ClockOffset = { seconds: 0 };
    let peers: Store[] = [];
    let openPeer: () => Promise<Store>;
    let destroy: () => Promise<void>;

    beforeEach(async () => {
      clock.seconds = 0;
      const opened = await factory(clock);
      holder.store = opened.store;
      openPeer = opened.openPeer;
      destroy = opened.destroy;
    });
    afterEach(async () => {
      await Promise.all(peers.map((peer) => peer.close()));
      peers = [];
      await destroy?.();
    });

    const store = () => holder.store;
    const context = {
      clock: () => clock,
      async peer() {
        const peer = await openPeer();
        peers.push(peer);
        return peer;
      },
    };
    accountsContract(store);
    questionsContract(store);
    capacityContract(store);
    routingContract(store);
    transferContract(store);
    messagesContract(store);
    notesContract(store);
    cyclesContract(store);
    resourcesContract(store);
    operatorListsContract(store);
    outboxContract(store, context);
    recordRulesContract(store);
    webhooksContract(store, context);
  });
}
