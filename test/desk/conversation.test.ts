import assert from 'node:assert/strict';
import { identityFromFragment } from '../../desk/src/chat/fragment.js';
import { byActivity, finishRequested } from '../../desk/src/state/conversation.js';

const text = { type: 3 };
const notice = (action: number) => ({ type: 4, action });

describe('desk state: conversation rules', () => {
  it('a finish request stands until another notice follows it', () => {
    assert.equal(finishRequested([]), false);
    assert.equal(finishRequested([notice(1), text]), false);
    assert.equal(finishRequested([notice(1), text, notice(3)]), true);
    assert.equal(finishRequested([notice(1), notice(3), text, text]), true, 'messages after it do not cancel it');
    assert.equal(finishRequested([notice(3), notice(4)]), false);
    assert.equal(finishRequested([notice(3), notice(4), notice(6)]), false, 'reopened');
  });

  it('orders Mine by last activity: the last message, else the asking', () => {
    const q = (id: string, timestamp: number, last: number | null) => ({ id, timestamp, last_mess_timestamp: last });
    const ordered = byActivity([q('old-asked-new-message', 10, 50), q('new-asked', 40, null), q('quiet', 5, 20)]);
    assert.deepEqual(ordered.map((x) => x.id), ['old-asked-new-message', 'new-asked', 'quiet']);
  });

  it('reads the chat identity from the fragment, and nothing without both parts', () => {
    assert.deepEqual(identityFromFragment('#session=AbCdEfGhIjKl&user_id=u%201'), { session: 'AbCdEfGhIjKl', userId: 'u 1' });
    assert.equal(identityFromFragment('#session=AbCdEfGhIjKl'), null);
    assert.equal(identityFromFragment(''), null);
  });
});
