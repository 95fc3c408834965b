/**
 * Schema migrations for the embedded store, applied in order on open. `PRAGMA user_version` records
 * how far a data directory has come; each step runs in one transaction, so two processes opening the
 * same directory at once migrate it exactly once.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE apps (
    identify   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at REAL NOT NULL
  );
  CREATE TABLE users (
    user_id      TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    image_url    TEXT NOT NULL DEFAULT '',
    device_count INTEGER NOT NULL DEFAULT 0,
    group_count  INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE sessions (
    session    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    identify   TEXT NOT NULL,
    serv_id    TEXT,
    created_at REAL NOT NULL
  );
  CREATE INDEX sessions_by_serv ON sessions (serv_id) WHERE serv_id IS NOT NULL;
  CREATE TABLE agents (
    serv_id       TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL
  );
  CREATE TABLE agent_apps (
    serv_id  TEXT NOT NULL,
    identify TEXT NOT NULL,
    PRIMARY KEY (serv_id, identify)
  ) WITHOUT ROWID;
  CREATE INDEX agent_apps_by_app ON agent_apps (identify, serv_id);
  CREATE TABLE questions (
    id                    TEXT PRIMARY KEY,
    identify              TEXT NOT NULL,
    user_id               TEXT NOT NULL,
    title                 TEXT NOT NULL,
    labels                TEXT NOT NULL,
    status                INTEGER NOT NULL,
    serv_id               TEXT,
    created_at            REAL NOT NULL,
    status_at             REAL NOT NULL,
    last_activity_at      REAL NOT NULL,
    finish_requested_at   REAL,
    last_seq              INTEGER NOT NULL DEFAULT 0,
    last_mess_text        TEXT,
    last_mess_timestamp   REAL,
    last_mess_sender      TEXT,
    last_mess_sender_type INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX questions_queue ON questions (status, identify, id);
  CREATE INDEX questions_by_serv ON questions (serv_id, status, id);
  CREATE INDEX questions_by_user ON questions (user_id, status, id);
  CREATE TABLE question_labels (
    label       TEXT NOT NULL,
    question_id TEXT NOT NULL,
    PRIMARY KEY (label, question_id)
  ) WITHOUT ROWID;
  CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    question_id   TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    sender        TEXT NOT NULL,
    sender_type   INTEGER NOT NULL,
    type          INTEGER NOT NULL,
    created_at    REAL NOT NULL,
    text          TEXT,
    media_path    TEXT,
    audio_len     INTEGER,
    action        INTEGER,
    session       TEXT,
    client_msg_id TEXT
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX messages_by_seq ON messages (question_id, seq);
  CREATE UNIQUE INDEX messages_idempotency ON messages (session, client_msg_id) WHERE client_msg_id IS NOT NULL;
  CREATE TABLE templates (
    id         TEXT PRIMARY KEY,
    identify   TEXT NOT NULL,
    title      TEXT NOT NULL,
    created_at REAL NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX templates_by_app ON templates (identify, id);
  CREATE TABLE items (
    id          TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    question    TEXT NOT NULL,
    content     TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX items_by_template ON items (template_id, id);
  CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    ext          TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    leased_until    REAL,
    created_at      REAL NOT NULL,
    last_error      TEXT
  ) WITHOUT ROWID;
  CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  `,
  `
  CREATE INDEX sessions_by_user ON sessions (user_id, identify);
  `,
  // Sessions keyed by the SHA-256 digest of their token (the token is never stored), with a kind and
  // a last use for idle expiry; every table that held a token holds its digest instead. A migrated
  // session counts as used now, so setting SESSION_TTL_S later does not end it at once. The old
  // outbox keeps its role as the deliveries; new: the domain events and the provisioning feed.
  // sha256() is registered by db.ts before migrating.
  `
  CREATE TABLE sessions_by_digest (
    digest       TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    identify     TEXT NOT NULL,
    serv_id      TEXT,
    kind         TEXT NOT NULL DEFAULT 'app',
    created_at   REAL NOT NULL,
    last_used_at REAL NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO sessions_by_digest (digest, user_id, identify, serv_id, kind, created_at, last_used_at)
    SELECT sha256(session), user_id, identify, serv_id, 'app', created_at,
           MAX(created_at, (julianday('now') - 2440587.5) * 86400.0)
    FROM sessions;
  DROP TABLE sessions;
  ALTER TABLE sessions_by_digest RENAME TO sessions;
  CREATE INDEX sessions_by_serv ON sessions (serv_id) WHERE serv_id IS NOT NULL;
  CREATE INDEX sessions_by_user ON sessions (user_id, identify);
  CREATE INDEX sessions_by_app ON sessions (identify);

  UPDATE messages SET session = sha256(session) WHERE session IS NOT NULL;
  ALTER TABLE messages RENAME COLUMN session TO session_digest;

  ALTER TABLE outbox RENAME TO deliveries;
  UPDATE deliveries
     SET payload = json_remove(json_set(payload, '$.device', sha256(json_extract(payload, '$.session'))), '$.session')
   WHERE json_valid(payload) AND json_type(payload, '$.session') = 'text';

  CREATE TABLE outbox_events (
    id               TEXT PRIMARY KEY,
    type             TEXT NOT NULL,
    question_id      TEXT NOT NULL,
    message_id       TEXT,
    previous_status  INTEGER,
    previous_serv_id TEXT,
    to_status        INTEGER,
    to_serv_id       TEXT,
    created_at       REAL NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    leased_until     REAL
  ) WITHOUT ROWID;
  CREATE INDEX outbox_events_oldest ON outbox_events (created_at, id);

  CREATE TABLE changes (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    at   REAL NOT NULL
  );
  CREATE INDEX changes_by_time ON changes (at);
  `,
  // Private notes (issue 12): their own table, so no read of messages can return one, numbered by
  // the question's own note counter (taken in the same write that reads its last seq).
  `
  ALTER TABLE questions ADD COLUMN last_note_seq INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE notes (
    id             TEXT PRIMARY KEY,
    question_id    TEXT NOT NULL,
    after_seq      INTEGER NOT NULL,
    note_seq       INTEGER NOT NULL,
    sender         TEXT NOT NULL,
    created_at     REAL NOT NULL,
    text           TEXT NOT NULL,
    session_digest TEXT NOT NULL,
    client_msg_id  TEXT
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX notes_by_number ON notes (question_id, note_seq);
  CREATE UNIQUE INDEX notes_idempotency ON notes (session_digest, client_msg_id) WHERE client_msg_id IS NOT NULL;
  `,
  // Lists read a page of ids from an index alone (conversations.ts listQuestions): an agent's
  // tasks and a user's lists also filter by app, so identify joins those indexes.
  `
  DROP INDEX questions_by_serv;
  CREATE INDEX questions_by_serv ON questions (serv_id, status, identify, id);
  DROP INDEX questions_by_user;
  CREATE INDEX questions_by_user ON questions (user_id, identify, status, id);
  `,
  // Issue 12: an agent's capacity (0: no limit). Its load is counted from questions_by_serv.
  `
  ALTER TABLE agents ADD COLUMN max_concurrent INTEGER NOT NULL DEFAULT 0;
  `,
  // Issue 12, routing: an app's routing; who last quit a question (auto-assign skips that agent);
  // when an agent was last given a question (auto-assign's tie-break); where a reopen went (its
  // notice's serv_id, set on action-6 notices only).
  `
  ALTER TABLE apps ADD COLUMN routing TEXT NOT NULL DEFAULT 'manual';
  ALTER TABLE questions ADD COLUMN quit_serv_id TEXT;
  ALTER TABLE agents ADD COLUMN last_assigned_at REAL;
  ALTER TABLE messages ADD COLUMN serv_id TEXT;
  `,
  // Issue 13: host apps' webhooks (the secret is derived, never stored: only its salt) and their
  // deliveries, claimed head of chain per (webhook, question) so a question's calls stay in order.
  `
  CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    identify      TEXT NOT NULL,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    salt          TEXT NOT NULL,
    created_at    REAL NOT NULL,
    disabled_at   REAL,
    failing_since REAL,
    last_error    TEXT
  ) WITHOUT ROWID;
  CREATE INDEX webhooks_by_app ON webhooks (identify, created_at);
  CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    question_id     TEXT NOT NULL,
    position        REAL NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    leased_until    REAL,
    created_at      REAL NOT NULL,
    last_error      TEXT
  ) WITHOUT ROWID;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  CREATE INDEX webhook_deliveries_chain ON webhook_deliveries (webhook_id, question_id, position, id) WHERE next_attempt_at IS NOT NULL;
  `,
  // Issue 12, transfer: a transfer notice (action 7) names the agent who handed it over and the one who has it.
  `
  ALTER TABLE messages ADD COLUMN from_serv_id TEXT;
  `,
  // Issue 13: cycle metrics, one row per resolution cycle, written with the conversation's writes.
  // cycles_report holds every column a report reads, so a report is one range of one index.
  // Questions from before this step get one cycle each, folded from their history once here (a
  // reopen before it is not split out); from now on every cycle is written as it happens.
  `
  CREATE TABLE cycles (
    id                TEXT PRIMARY KEY,
    question_id       TEXT NOT NULL,
    n                 INTEGER NOT NULL,
    identify          TEXT NOT NULL,
    labels            TEXT NOT NULL DEFAULT '[]',
    started_at        REAL NOT NULL,
    served_at         REAL,
    first_response_at REAL,
    resolved_at       REAL,
    outcome           TEXT,
    user_messages     INTEGER NOT NULL DEFAULT 0,
    agent_messages    INTEGER NOT NULL DEFAULT 0,
    agents            TEXT NOT NULL DEFAULT '[]',
    last_agent        TEXT,
    score             INTEGER,
    comment           TEXT,
    rated_at          REAL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX cycles_by_question ON cycles (question_id, n);
  CREATE INDEX cycles_report ON cycles (identify, started_at, n, served_at, first_response_at, resolved_at, outcome, last_agent, score, labels);
  INSERT INTO cycles (id, question_id, n, identify, labels, started_at, served_at, first_response_at, resolved_at, outcome,
                      user_messages, agent_messages, agents, last_agent)
    SELECT q.id || '.1', q.id, 1, q.identify, q.labels, q.created_at,
      (SELECT MIN(created_at) FROM messages m WHERE m.question_id = q.id AND m.type = 4 AND m.action = 1),
      (SELECT MIN(created_at) FROM messages m WHERE m.question_id = q.id AND m.type < 4 AND m.sender_type = 2),
      CASE WHEN q.status = 3 THEN q.status_at END,
      CASE WHEN q.status <> 3 THEN NULL
           WHEN (SELECT action FROM messages m WHERE m.question_id = q.id AND m.type = 4 ORDER BY seq DESC LIMIT 1) = 5 THEN 'timed_out'
           WHEN (SELECT sender_type FROM messages m WHERE m.question_id = q.id AND m.type = 4 ORDER BY seq DESC LIMIT 1) = 1 THEN 'confirmed'
           ELSE 'finished' END,
      (SELECT COUNT(*) FROM messages m WHERE m.question_id = q.id AND m.type < 4 AND m.sender_type = 1),
      (SELECT COUNT(*) FROM messages m WHERE m.question_id = q.id AND m.type < 4 AND m.sender_type = 2),
      COALESCE((SELECT json_group_array(DISTINCT sender) FROM messages m WHERE m.question_id = q.id AND m.type = 4 AND m.action = 1), '[]'),
      q.serv_id
    FROM questions q;
  `,
  // Issue 13: an agent's role; a supervisor also reads its apps' conversations, reports and team.
  `
  ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
  `,
];
