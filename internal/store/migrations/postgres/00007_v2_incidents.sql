-- What API v2 adds around incidents (D30, D31, D34): the event types CHI
-- (an attribute changed), LES (the first event of a stateless incident)
-- and RES (a restart, Argus main); an incident's metadata, a JSON object
-- as text (jsonb cannot hold "\u0000", which JSON allows);
-- when a source was last seen; knox-style tokens, many per user, of which
-- only knox's digest is kept: SHA-512 of the token's text, in hex, and its
-- first 15 characters (token_key), so that tokens imported from an Argus
-- 2.x database keep working.

-- +goose Up
ALTER TABLE argus_incident_event DROP CONSTRAINT argus_incident_event_type_check;
ALTER TABLE argus_incident_event ADD CONSTRAINT argus_incident_event_type_check
    CHECK (type IN ('STA', 'END', 'CLO', 'REO', 'ACK', 'OTH', 'CHI', 'LES', 'RES'));
ALTER TABLE argus_incident_incident ADD COLUMN metadata text NOT NULL DEFAULT '{}';
ALTER TABLE argus_incident_sourcesystem ADD COLUMN last_seen timestamptz NULL;

CREATE TABLE argus_auth_knoxtoken (
    digest    char(128) PRIMARY KEY,
    token_key char(15) NOT NULL,
    user_id   bigint NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    created   timestamptz NOT NULL,
    expiry    timestamptz NULL
);
CREATE INDEX argus_auth_knoxtoken_user_idx ON argus_auth_knoxtoken (user_id);
CREATE INDEX argus_auth_knoxtoken_token_key_idx ON argus_auth_knoxtoken (token_key);

-- +goose Down
DROP TABLE argus_auth_knoxtoken;
ALTER TABLE argus_incident_sourcesystem DROP COLUMN last_seen;
ALTER TABLE argus_incident_incident DROP COLUMN metadata;
DELETE FROM argus_incident_event WHERE type IN ('CHI', 'LES', 'RES');
ALTER TABLE argus_incident_event DROP CONSTRAINT argus_incident_event_type_check;
ALTER TABLE argus_incident_event ADD CONSTRAINT argus_incident_event_type_check
    CHECK (type IN ('STA', 'END', 'CLO', 'REO', 'ACK', 'OTH'));
