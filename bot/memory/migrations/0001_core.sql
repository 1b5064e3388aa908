-- Core tables: rooms, users, the message log (+ FTS5), per-cog storage, sync state, audit log.
CREATE TABLE rooms (
    id           INTEGER PRIMARY KEY,
    platform     TEXT    NOT NULL,
    room_id      TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    is_direct    INTEGER NOT NULL DEFAULT 0,
    member_count INTEGER NOT NULL DEFAULT 0,
    first_seen   REAL    NOT NULL,
    last_seen    REAL    NOT NULL,
    UNIQUE (platform, room_id)
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    platform   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    display    TEXT    NOT NULL DEFAULT '',
    is_bot     INTEGER NOT NULL DEFAULT 0,
    role       INTEGER NOT NULL DEFAULT 0,
    persona    TEXT,
    first_seen REAL    NOT NULL,
    last_seen  REAL    NOT NULL,
    UNIQUE (platform, user_id)
);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    room        INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    author      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform_id TEXT    NOT NULL,
    ts          REAL    NOT NULL,
    text        TEXT    NOT NULL,
    kind        TEXT    NOT NULL DEFAULT 'text',
    reply_to    TEXT,
    edit_of     TEXT,
    mentions    TEXT,            -- JSON list of platform user ids, NULL when none
    truncated   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (room, platform_id)
);
CREATE INDEX messages_room_ts ON messages (room, ts);
CREATE INDEX messages_author ON messages (author);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
-- No insert trigger: the batched writer indexes each batch with one INSERT ... SELECT, which
-- is about twice as fast as a trigger per row.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

-- Per-cog configuration and storage (Red's Config, maubot's plugin config): JSON values.
CREATE TABLE cog_data (
    cog   TEXT NOT NULL,
    scope TEXT NOT NULL,   -- 'global', 'room:<key>', 'user:<key>', ...
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (cog, scope, key)
) WITHOUT ROWID;

-- Platform sync state (Matrix next_batch and the like).
CREATE TABLE sync_state (
    platform TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    updated  REAL NOT NULL,
    PRIMARY KEY (platform, key)
) WITHOUT ROWID;

-- What the owner and moderators did, for review.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    ts     REAL NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
