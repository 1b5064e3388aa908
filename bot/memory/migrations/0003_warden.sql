-- Issue 4: the Warden's verdicts and its per-room settings.

-- Every verdict (flag, delete, timeout, ban) and every moderator's pardon or permit, for review
-- with `!warden log` and the console. ``checks`` names the checks that fired, comma-separated;
-- ``actor`` is 'warden' or the moderator; ``outcome`` is what the platform said when the action
-- was carried out ("local: deleted a message of Bob in lobby", "... lacks the power ...").
CREATE TABLE warden_verdicts (
    id         INTEGER PRIMARY KEY,
    ts         REAL    NOT NULL,
    room_key   TEXT    NOT NULL,
    message_id TEXT,
    user_id    TEXT    NOT NULL,
    user_name  TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL,
    checks     TEXT    NOT NULL DEFAULT '',
    score      REAL    NOT NULL DEFAULT 0,
    actor      TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    seconds    INTEGER,
    outcome    TEXT    NOT NULL DEFAULT '',
    excerpt    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX warden_verdicts_room ON warden_verdicts (room_key, id);

-- What moderators changed in a room's Warden settings (`!warden strict`, `allow`, `block`...):
-- JSON of the changed fields only, laid over `[cog.warden]` from sanctum.toml at start.
CREATE TABLE warden_rooms (
    room_key   TEXT NOT NULL PRIMARY KEY,
    config     TEXT NOT NULL,
    updated    REAL NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
