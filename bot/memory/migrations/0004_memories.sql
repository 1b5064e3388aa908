-- Persona memory: what each persona remembers, its full-text index, its vectors, and which
-- rooms each persona was in (recall is witness-aware).
CREATE TABLE memories (
    id            INTEGER PRIMARY KEY,
    persona       TEXT    NOT NULL,             -- every memory belongs to exactly one persona
    room_key      TEXT,                         -- 'platform:room_id' it came from; NULL: no room
    subject_key   TEXT,                         -- 'platform:user_id' it is about; NULL: no one
    subject_name  TEXT    NOT NULL DEFAULT '',  -- how the subject was called, for display
    kind          TEXT    NOT NULL DEFAULT 'fact' CHECK (kind IN
                  ('fact', 'preference', 'relationship', 'joke', 'lore', 'summary', 'highlight')),
    text          TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    importance    REAL    NOT NULL DEFAULT 0.5 CHECK (importance BETWEEN 0 AND 1),
    sources       TEXT    NOT NULL DEFAULT '[]', -- JSON list of platform message ids
    created       REAL    NOT NULL,
    updated       REAL    NOT NULL,
    -- The newer memory that replaced this one. No foreign key on purpose: forgetting the newer
    -- memory must not bring the old one back to life.
    superseded_by INTEGER,
    embed_key     TEXT                          -- model:dim:generation of its vector; NULL: none
);
CREATE INDEX memories_persona_subject ON memories (persona, subject_key);
CREATE INDEX memories_persona_room ON memories (persona, room_key);
CREATE INDEX memories_subject ON memories (subject_key);

CREATE VIRTUAL TABLE memories_fts USING fts5 (
    text, content = 'memories', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
END;
-- Document frequency per term: recall skips terms so common they would cost a full scan.
CREATE VIRTUAL TABLE memories_vocab USING fts5vocab (memories_fts, 'row');

-- Vectors for the default 384-dimensional embeddings (bot/memory/vectors.py makes a table of
-- the same shape for another dimension). Sign-bit quantized for the KNN scan, partitioned by
-- persona so one persona's recall never scans another's; the float32 vector rides along as
-- an auxiliary column for exact rescoring of the shortlist. rowid = memories.id.
CREATE VIRTUAL TABLE memory_vec_384 USING vec0 (
    persona TEXT PARTITION KEY,
    embedding BIT[384],
    +vector BLOB,
    chunk_size = 4096
);

-- Which rooms each persona was in: a persona only recalls memories from rooms it witnessed.
CREATE TABLE memory_witness (
    persona    TEXT NOT NULL,
    room_key   TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen  REAL NOT NULL,
    PRIMARY KEY (persona, room_key)
) WITHOUT ROWID;

-- Small named values: the embedding target of a (resumable) re-embedding run, and the like.
CREATE TABLE memory_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
