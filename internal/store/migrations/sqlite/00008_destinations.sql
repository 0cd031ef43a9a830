-- The notification model of Argus 2.x (D27, D29): profiles with ids of
-- their own, any number on a timeslot, sending to destinations — a medium
-- and its settings — instead of the v1 media codes and a phone number.
--
-- Every v1 URL keeps working: a v1 phone number becomes an sms destination
-- with the same pk; each existing profile's id is its timeslot's pk, which
-- v1 goes on addressing it by (D15); every user with an email address gets
-- a managed email destination, which profiles with "EM" send to. A
-- profile keeps what API v1 last set as its media and phone number, for
-- v1 to show them as it did; dispatch reads the destinations only.
--
-- The profile tables are rebuilt (their keys change), outside goose's
-- transaction with foreign keys off and in a transaction of its own, as
-- 00007 rebuilds the event table; legacy_alter_table keeps the renames
-- from rewriting, or refusing, the triggers of other tables that name the
-- profile table.

-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
PRAGMA legacy_alter_table = ON;
BEGIN IMMEDIATE;

CREATE TABLE argus_notificationprofile_media (
    slug      text PRIMARY KEY,
    name      text NOT NULL,
    installed integer NOT NULL DEFAULT 1
);
INSERT INTO argus_notificationprofile_media (slug, name, installed) VALUES ('email', 'Email', 1), ('sms', 'SMS', 1);

-- settings: a JSON object, as text in one canonical form (keys sorted,
-- no spaces), so equal settings are equal text.
CREATE TABLE argus_notificationprofile_destinationconfig (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    media_id text NOT NULL REFERENCES argus_notificationprofile_media (slug),
    label    text NULL,
    settings text NOT NULL,
    managed  integer NOT NULL DEFAULT 0
);
CREATE INDEX argus_notificationprofile_destinationconfig_user_idx ON argus_notificationprofile_destinationconfig (user_id);
CREATE UNIQUE INDEX destinationconfig_unique_label ON argus_notificationprofile_destinationconfig (user_id, media_id, label)
    WHERE label IS NOT NULL;
CREATE UNIQUE INDEX destinationconfig_unique_managed ON argus_notificationprofile_destinationconfig (user_id, media_id)
    WHERE managed;

INSERT INTO argus_notificationprofile_destinationconfig (id, user_id, media_id, settings)
    SELECT id, user_id, 'sms', json_object('phone_number', phone_number) FROM argus_auth_phonenumber;
-- Ids once given out are never given again: the phone numbers' too.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'argus_notificationprofile_destinationconfig', seq FROM sqlite_sequence WHERE name = 'argus_auth_phonenumber'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'argus_notificationprofile_destinationconfig');
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'argus_auth_phonenumber'), 0))
    WHERE name = 'argus_notificationprofile_destinationconfig';
INSERT INTO argus_notificationprofile_destinationconfig (user_id, media_id, settings, managed)
    SELECT id, 'email', json_object('email_address', email), 1 FROM argus_auth_user WHERE email <> '' ORDER BY id;

CREATE TABLE argus_notificationprofile_profile (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    timeslot_id     integer NOT NULL REFERENCES argus_notificationprofile_timeslot (id) ON DELETE CASCADE,
    name            text NULL,
    active          integer NOT NULL DEFAULT 1,
    -- API v1's media ("EM,SM") and phone number, as it last set them.
    media           text NOT NULL DEFAULT '',
    phone_number_id integer NULL REFERENCES argus_notificationprofile_destinationconfig (id) ON DELETE SET NULL
);
INSERT INTO argus_notificationprofile_profile (id, user_id, timeslot_id, active, media, phone_number_id)
    SELECT timeslot_id, user_id, timeslot_id, active, media, phone_number_id FROM argus_notificationprofile_notificationprofile;

CREATE TABLE argus_notificationprofile_profile_filters (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    notificationprofile_id integer NOT NULL REFERENCES argus_notificationprofile_notificationprofile (id) ON DELETE CASCADE,
    filter_id              integer NOT NULL REFERENCES argus_notificationprofile_filter (id) ON DELETE CASCADE,
    CONSTRAINT notificationprofile_filters_unique UNIQUE (notificationprofile_id, filter_id)
);
INSERT INTO argus_notificationprofile_profile_filters (id, notificationprofile_id, filter_id)
    SELECT id, notificationprofile_id, filter_id FROM argus_notificationprofile_notificationprofile_filters;

CREATE TABLE argus_notificationprofile_notificationprofile_destinations (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    notificationprofile_id integer NOT NULL REFERENCES argus_notificationprofile_notificationprofile (id) ON DELETE CASCADE,
    destinationconfig_id   integer NOT NULL REFERENCES argus_notificationprofile_destinationconfig (id) ON DELETE CASCADE,
    CONSTRAINT notificationprofile_destinations_unique UNIQUE (notificationprofile_id, destinationconfig_id)
);
-- "EM": the managed email destination; "SM": the phone number's.
INSERT INTO argus_notificationprofile_notificationprofile_destinations (notificationprofile_id, destinationconfig_id)
    SELECT p.id, d.id FROM argus_notificationprofile_profile p
    JOIN argus_notificationprofile_destinationconfig d ON d.user_id = p.user_id AND d.managed AND d.media_id = 'email'
    WHERE p.media LIKE '%EM%';
INSERT INTO argus_notificationprofile_notificationprofile_destinations (notificationprofile_id, destinationconfig_id)
    SELECT id, phone_number_id FROM argus_notificationprofile_profile WHERE phone_number_id IS NOT NULL AND media LIKE '%SM%';

-- The profile_filters table above names the profile table by its final
-- name already; legacy_alter_table leaves that alone.
DROP TABLE argus_notificationprofile_notificationprofile_filters;
DROP TABLE argus_notificationprofile_notificationprofile;
DROP TABLE argus_auth_phonenumber;
ALTER TABLE argus_notificationprofile_profile RENAME TO argus_notificationprofile_notificationprofile;
ALTER TABLE argus_notificationprofile_profile_filters RENAME TO argus_notificationprofile_notificationprofile_filters;
UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX(id), 0) FROM argus_notificationprofile_notificationprofile)
    WHERE name = 'argus_notificationprofile_notificationprofile';
CREATE INDEX argus_notificationprofile_notificationprofile_user_idx ON argus_notificationprofile_notificationprofile (user_id);
CREATE INDEX argus_notificationprofile_notificationprofile_timeslot_idx ON argus_notificationprofile_notificationprofile (timeslot_id);
CREATE INDEX argus_notificationprofile_notificationprofile_phone_idx ON argus_notificationprofile_notificationprofile (phone_number_id);
CREATE UNIQUE INDEX notificationprofile_unique_name_per_user ON argus_notificationprofile_notificationprofile (user_id, name)
    WHERE name IS NOT NULL;
CREATE INDEX argus_notificationprofile_notificationprofile_filters_filter_idx
    ON argus_notificationprofile_notificationprofile_filters (filter_id);
CREATE INDEX argus_notificationprofile_notificationprofile_destinations_destination_idx
    ON argus_notificationprofile_notificationprofile_destinations (destinationconfig_id);

-- One message per destination per event (D29, D11 restated); messages
-- queued before name none.
ALTER TABLE argus_notify_message ADD COLUMN destination_id integer NULL
    REFERENCES argus_notificationprofile_destinationconfig (id) ON DELETE SET NULL;
DROP INDEX argus_notify_message_recipient_idx;
CREATE UNIQUE INDEX argus_notify_message_destination_idx ON argus_notify_message (event_id, destination_id)
    WHERE destination_id IS NOT NULL;

-- Which users' profiles changed (00003), for the rebuilt and new tables.
-- The triggers of the recurrences and the users name the profile table
-- and read its timeslot_id and user_id, which it still has.
DROP TRIGGER argus_notify_filter_update;

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_insert AFTER INSERT ON argus_notificationprofile_notificationprofile
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1;
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT NEW.user_id, version FROM argus_notify_profiles_version WHERE id = 1
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_delete AFTER DELETE ON argus_notificationprofile_notificationprofile
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1;
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT OLD.user_id, version FROM argus_notify_profiles_version WHERE id = 1
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_update AFTER UPDATE ON argus_notificationprofile_notificationprofile
    WHEN OLD.timeslot_id IS NOT NEW.timeslot_id OR OLD.user_id IS NOT NEW.user_id OR OLD.active IS NOT NEW.active
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1;
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT OLD.user_id, version FROM argus_notify_profiles_version WHERE id = 1
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT NEW.user_id, version FROM argus_notify_profiles_version WHERE id = 1
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_filter_insert AFTER INSERT ON argus_notificationprofile_notificationprofile_filters
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (NEW.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (NEW.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_filter_delete AFTER DELETE ON argus_notificationprofile_notificationprofile_filters
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (OLD.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (OLD.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_filter_update AFTER UPDATE ON argus_notificationprofile_notificationprofile_filters
    WHEN OLD.notificationprofile_id IS NOT NEW.notificationprofile_id OR OLD.filter_id IS NOT NEW.filter_id
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (OLD.notificationprofile_id, NEW.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (OLD.notificationprofile_id, NEW.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_destination_insert AFTER INSERT ON argus_notificationprofile_notificationprofile_destinations
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (NEW.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (NEW.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_destination_delete AFTER DELETE ON argus_notificationprofile_notificationprofile_destinations
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (OLD.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (OLD.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_destination_update AFTER UPDATE ON argus_notificationprofile_notificationprofile_destinations
    WHEN OLD.notificationprofile_id IS NOT NEW.notificationprofile_id OR OLD.destinationconfig_id IS NOT NEW.destinationconfig_id
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.id IN (OLD.notificationprofile_id, NEW.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.id IN (OLD.notificationprofile_id, NEW.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_filter_update AFTER UPDATE ON argus_notificationprofile_filter
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.name IS NOT NEW.name OR
        OLD.filter_string IS NOT NEW.filter_string
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile_filters x
            JOIN argus_notificationprofile_notificationprofile p ON p.id = x.notificationprofile_id
            WHERE x.filter_id = NEW.id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notify_profiles_version v,
            argus_notificationprofile_notificationprofile_filters x
            JOIN argus_notificationprofile_notificationprofile p ON p.id = x.notificationprofile_id
        WHERE v.id = 1 AND x.filter_id = NEW.id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_destination_update AFTER UPDATE ON argus_notificationprofile_destinationconfig
    WHEN OLD.settings IS NOT NEW.settings OR OLD.media_id IS NOT NEW.media_id OR OLD.user_id IS NOT NEW.user_id
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile_destinations x
            JOIN argus_notificationprofile_notificationprofile p ON p.id = x.notificationprofile_id
            WHERE x.destinationconfig_id = NEW.id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notify_profiles_version v,
            argus_notificationprofile_notificationprofile_destinations x
            JOIN argus_notificationprofile_notificationprofile p ON p.id = x.notificationprofile_id
        WHERE v.id = 1 AND x.destinationconfig_id = NEW.id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- Everything a profile is made of changed shape: every instance reloads.
UPDATE argus_notify_profiles_version SET version = version + 1, reset = version + 1 WHERE id = 1;

COMMIT;
PRAGMA legacy_alter_table = OFF;
PRAGMA foreign_keys = ON;

-- +goose Down
-- One way: the v1 tables cannot hold what v2 may have made since (many
-- profiles on a timeslot, email destinations of their own). Restore a
-- backup to go back.
