-- What API v2 adds around incidents (D30, D31, D34): the event types CHI
-- (an attribute changed), LES (the first event of a stateless incident)
-- and RES (a restart, Argus main); an incident's metadata, a JSON object
-- as text; when a source was last seen; knox-style tokens, many per user,
-- of which only knox's digest is kept: SHA-512 of the token's text, in
-- hex, and its first 15 characters (token_key), so that tokens imported
-- from an Argus 2.x database keep working.
--
-- SQLite cannot change a CHECK constraint, so the event table is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter): outside goose's
-- transaction, because foreign keys must be off while the table is
-- dropped — with them on, dropping it would delete every acknowledgement
-- and queued notification through their ON DELETE CASCADE — and inside a
-- transaction of its own, so that it happens whole or not at all. Ids,
-- and so the text index of 00006 (keyed by id), stay as they were.

-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE argus_incident_event_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id integer NOT NULL REFERENCES argus_incident_incident (id),
    actor_id    integer NOT NULL REFERENCES argus_auth_user (id),
    timestamp   text NOT NULL,
    received    text NOT NULL,
    type        text NOT NULL CHECK (type IN ('STA', 'END', 'CLO', 'REO', 'ACK', 'OTH', 'CHI', 'LES', 'RES')),
    description text NOT NULL DEFAULT ''
);
INSERT INTO argus_incident_event_new (id, incident_id, actor_id, timestamp, received, type, description)
    SELECT id, incident_id, actor_id, timestamp, received, type, description FROM argus_incident_event;
-- Ids once given out are never given again (AUTOINCREMENT), also those of
-- deleted events.
CREATE TEMP TABLE argus_migration_7 AS SELECT seq FROM sqlite_sequence WHERE name = 'argus_incident_event';
DROP TABLE argus_incident_event;
ALTER TABLE argus_incident_event_new RENAME TO argus_incident_event;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(seq) FROM argus_migration_7), 0))
    WHERE name = 'argus_incident_event';
DROP TABLE argus_migration_7;
CREATE INDEX argus_incident_event_incident_idx ON argus_incident_event (incident_id, timestamp DESC);
CREATE INDEX argus_incident_event_ack_idx ON argus_incident_event (incident_id) WHERE type = 'ACK';

-- 00006's triggers, dropped with the old table.
-- +goose StatementBegin
CREATE TRIGGER argus_search_event_insert AFTER INSERT ON argus_incident_event BEGIN
    INSERT INTO argus_search_event (rowid, description) VALUES (new.id, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER argus_search_event_delete AFTER DELETE ON argus_incident_event BEGIN
    INSERT INTO argus_search_event (argus_search_event, rowid, description) VALUES ('delete', old.id, old.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER argus_search_event_update AFTER UPDATE OF description ON argus_incident_event BEGIN
    INSERT INTO argus_search_event (argus_search_event, rowid, description) VALUES ('delete', old.id, old.description);
    INSERT INTO argus_search_event (rowid, description) VALUES (new.id, new.description);
END;
-- +goose StatementEnd

ALTER TABLE argus_incident_incident ADD COLUMN metadata text NOT NULL DEFAULT '{}';
ALTER TABLE argus_incident_sourcesystem ADD COLUMN last_seen text NULL;

CREATE TABLE argus_auth_knoxtoken (
    digest    text PRIMARY KEY,
    token_key text NOT NULL,
    user_id   integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    created   text NOT NULL,
    expiry    text NULL
);
CREATE INDEX argus_auth_knoxtoken_user_idx ON argus_auth_knoxtoken (user_id);
CREATE INDEX argus_auth_knoxtoken_token_key_idx ON argus_auth_knoxtoken (token_key);

COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
DROP TABLE argus_auth_knoxtoken;
ALTER TABLE argus_incident_sourcesystem DROP COLUMN last_seen;
ALTER TABLE argus_incident_incident DROP COLUMN metadata;
-- The event table keeps its wider CHECK: rebuilding it again buys nothing.
