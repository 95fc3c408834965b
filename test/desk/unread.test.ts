import assert from 'node:assert/strict';
import { emptyUnread, forget, markRead, recordMessage, totalUnread, unreadCount } from '../../desk/src/state/unread.js';

describe('desk state: unread counts', () => {
  it('counts messages from the other party while the conversation is not visible', () => {
    let state = emptyUnread();
    state = recordMessage(state, 'q1', { seq: 1, fromMe: false }, false);
    state = recordMessage(state, 'q1', { seq: 2, fromMe: false }, false);
    state = recordMessage(state, 'q2', { seq: 1, fromMe: false }, false);
    assert.equal(unreadCount(state, 'q1'), 2);
    assert.equal(unreadCount(state, 'q2'), 1);
    assert.equal(totalUnread(state), 3);
  });

  it('does not count a redelivered message twice', () => {
    let state = recordMessage(emptyUnread(), 'q', { seq: 4, fromMe: false }, false);
    state = recordMessage(state, 'q', { seq: 4, fromMe: false }, false);
    assert.equal(unreadCount(state, 'q'), 1);
  });

  it('never counts own messages or messages of the visible conversation; they mark what came before read', () => {
    let state = recordMessage(emptyUnread(), 'q', { seq: 1, fromMe: false }, false);
    state = recordMessage(state, 'q', { seq: 2, fromMe: true }, false);
    assert.equal(unreadCount(state, 'q'), 0, 'answering means having read');
    state = recordMessage(state, 'q', { seq: 3, fromMe: false }, true);
    assert.equal(unreadCount(state, 'q'), 0);
  });

  it('ignores late messages at or below what was read', () => {
    let state = markRead(emptyUnread(), 'q', 10);
    state = recordMessage(state, 'q', { seq: 9, fromMe: false }, false);
    assert.equal(unreadCount(state, 'q'), 0);
    state = recordMessage(state, 'q', { seq: 11, fromMe: false }, false);
    assert.equal(unreadCount(state, 'q'), 1);
  });

  it('markRead up to a seq keeps what came after unread', () => {
    let state = emptyUnread();
    for (const seq of [1, 2, 3, 4]) state = recordMessage(state, 'q', { seq, fromMe: false }, false);
    state = markRead(state, 'q', 2);
    assert.equal(unreadCount(state, 'q'), 2);
    state = markRead(state, 'q', Number.MAX_SAFE_INTEGER);
    assert.equal(unreadCount(state, 'q'), 0);
  });

  it('forgets a question that left Mine, and leaves the state untouched when nothing changes', () => {
    const state = recordMessage(emptyUnread(), 'q', { seq: 1, fromMe: false }, false);
    assert.equal(totalUnread(forget(state, 'q')), 0);
    assert.equal(forget(state, 'other'), state);
    const read = markRead(state, 'q', 1);
    assert.equal(markRead(read, 'q', 1), read);
  });
});
