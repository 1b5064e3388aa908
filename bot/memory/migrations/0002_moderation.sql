-- Issue 3: per-room dispatch settings, custom text commands and timers.

-- Per-room rule settings (ping-pong threshold, quiet window, command prefix, mutes...).
-- ``room_key`` is Room.key ("twitch:channel"); ``value`` is JSON.
CREATE TABLE room_settings (
    room_key TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    updated  REAL NOT NULL,
    PRIMARY KEY (room_key, key)
) WITHOUT ROWID;

-- Moderators' custom text commands (!addcom), per room, with a use counter for {count}.
CREATE TABLE custom_commands (
    room_key   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    uses       INTEGER NOT NULL DEFAULT 0,
    created_by TEXT    NOT NULL DEFAULT '',
    created    REAL    NOT NULL,
    updated    REAL    NOT NULL,
    PRIMARY KEY (room_key, name)
) WITHOUT ROWID;

-- Timers (!timer add): post TEXT every ``every_s`` seconds if ``min_lines`` chat lines passed.
CREATE TABLE timers (
    room_key   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    every_s    REAL    NOT NULL CHECK (every_s > 0),
    min_lines  INTEGER NOT NULL DEFAULT 0 CHECK (min_lines >= 0),
    text       TEXT    NOT NULL,
    created_by TEXT    NOT NULL DEFAULT '',
    created    REAL    NOT NULL,
    posts      INTEGER NOT NULL DEFAULT 0,
    last_post  REAL,
    PRIMARY KEY (room_key, name)
) WITHOUT ROWID;
