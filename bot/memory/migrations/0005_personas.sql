-- Personas: spawned and imported personas live here (and survive restarts); personas read from
-- personas/*.toml are mirrored here, the file staying their source of truth.
CREATE TABLE personas (
    id      TEXT PRIMARY KEY,
    data    TEXT NOT NULL,   -- the persona as JSON, without its lore (see persona_lore)
    source  TEXT NOT NULL CHECK (source IN ('file', 'spawned', 'card')),
    created REAL NOT NULL,
    updated REAL NOT NULL
) WITHOUT ROWID;

-- Keyword-triggered lore (Character Card V2/V3 character_book entries), in book order.
CREATE TABLE persona_lore (
    persona         TEXT    NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,             -- position in the book
    name            TEXT    NOT NULL DEFAULT '',
    keys            TEXT    NOT NULL DEFAULT '[]', -- JSON list of strings
    secondary_keys  TEXT    NOT NULL DEFAULT '[]', -- JSON list; needed too when selective
    content         TEXT    NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,    -- lower is dropped first under a tight budget
    insertion_order INTEGER NOT NULL DEFAULT 0,    -- lower is placed earlier in the prompt
    enabled         INTEGER NOT NULL DEFAULT 1,
    constant        INTEGER NOT NULL DEFAULT 0,    -- always inserted
    selective       INTEGER NOT NULL DEFAULT 0,    -- needs a key and a secondary key
    case_sensitive  INTEGER NOT NULL DEFAULT 0,
    use_regex       INTEGER NOT NULL DEFAULT 0,    -- V3: keys are regular expressions
    position        TEXT    NOT NULL DEFAULT 'after_char'
                            CHECK (position IN ('before_char', 'after_char')),
    PRIMARY KEY (persona, idx)
) WITHOUT ROWID;
