-- Which users' profiles changed (issue 10). 00002 bumped the profiles
-- version on every change to a profile table, and every instance then
-- reloaded every profile. Now row triggers record, per user, the version
-- at which something that dispatch loads for them changed (ActiveProfiles:
-- a profile's media, active flag and phone number, its filters' names and
-- specs, its timeslot's recurrences, the user's username, email and active
-- flag), and only when it really changed; dispatch reloads only those
-- users' profiles.
--
-- Rows that no profile uses yet (a new filter, timeslot or phone number)
-- record nothing, and neither do timeslot names, which dispatch does not
-- load. Deletes that matter reach a profile through a foreign key action
-- (ON DELETE CASCADE or SET NULL), whose row changes fire these triggers.
-- SQLite has one writer at a time, so the triggers run at once (PostgreSQL
-- defers them to the commit).

-- +goose Up
DROP TRIGGER argus_notify_auth_user_delete;
DROP TRIGGER argus_notify_auth_user_update;
DROP TRIGGER argus_notify_auth_phonenumber_delete;
DROP TRIGGER argus_notify_auth_phonenumber_update;
DROP TRIGGER argus_notify_auth_phonenumber_insert;
DROP TRIGGER argus_notify_np_timerecurrence_delete;
DROP TRIGGER argus_notify_np_timerecurrence_update;
DROP TRIGGER argus_notify_np_timerecurrence_insert;
DROP TRIGGER argus_notify_np_timeslot_delete;
DROP TRIGGER argus_notify_np_timeslot_update;
DROP TRIGGER argus_notify_np_timeslot_insert;
DROP TRIGGER argus_notify_np_filter_delete;
DROP TRIGGER argus_notify_np_filter_update;
DROP TRIGGER argus_notify_np_filter_insert;
DROP TRIGGER argus_notify_np_np_filters_delete;
DROP TRIGGER argus_notify_np_np_filters_update;
DROP TRIGGER argus_notify_np_np_filters_insert;
DROP TRIGGER argus_notify_np_notificationprofile_delete;
DROP TRIGGER argus_notify_np_notificationprofile_update;
DROP TRIGGER argus_notify_np_notificationprofile_insert;

-- reset: the version at which every profile must be reloaded (on
-- PostgreSQL, after a TRUNCATE; kept here for one schema).
ALTER TABLE argus_notify_profiles_version ADD COLUMN reset integer NOT NULL DEFAULT 0;

-- One row per user whose profiles ever changed: the version of the last
-- change.
CREATE TABLE argus_notify_profile_changes (
    user_id integer PRIMARY KEY,
    version integer NOT NULL
);
CREATE INDEX argus_notify_profile_changes_version_idx ON argus_notify_profile_changes (version);

-- The profiles that use a phone number: for the trigger below and for
-- ON DELETE SET NULL, which scanned every profile.
CREATE INDEX argus_notificationprofile_notificationprofile_phone_idx
    ON argus_notificationprofile_notificationprofile (phone_number_id);

-- Each trigger bumps the version when it has a user to record, and
-- records the users with the new version.

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
    WHEN OLD.timeslot_id IS NOT NEW.timeslot_id OR OLD.user_id IS NOT NEW.user_id OR
        OLD.media IS NOT NEW.media OR OLD.active IS NOT NEW.active OR
        OLD.phone_number_id IS NOT NEW.phone_number_id
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
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id = NEW.notificationprofile_id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id = NEW.notificationprofile_id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_filter_delete AFTER DELETE ON argus_notificationprofile_notificationprofile_filters
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id = OLD.notificationprofile_id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id = OLD.notificationprofile_id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_profile_filter_update AFTER UPDATE ON argus_notificationprofile_notificationprofile_filters
    WHEN OLD.notificationprofile_id IS NOT NEW.notificationprofile_id OR OLD.filter_id IS NOT NEW.filter_id
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id IN (OLD.notificationprofile_id, NEW.notificationprofile_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id IN (OLD.notificationprofile_id, NEW.notificationprofile_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_recurrence_insert AFTER INSERT ON argus_notificationprofile_timerecurrence
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id = NEW.timeslot_id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id = NEW.timeslot_id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_recurrence_delete AFTER DELETE ON argus_notificationprofile_timerecurrence
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id = OLD.timeslot_id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id = OLD.timeslot_id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_recurrence_update AFTER UPDATE ON argus_notificationprofile_timerecurrence
    WHEN OLD.timeslot_id IS NOT NEW.timeslot_id OR OLD.days IS NOT NEW.days OR OLD.start IS NOT NEW.start OR
        OLD."end" IS NOT NEW."end"
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.timeslot_id IN (OLD.timeslot_id, NEW.timeslot_id));
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.timeslot_id IN (OLD.timeslot_id, NEW.timeslot_id)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_filter_update AFTER UPDATE ON argus_notificationprofile_filter
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.name IS NOT NEW.name OR
        OLD.filter_string IS NOT NEW.filter_string
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile_filters pf
            JOIN argus_notificationprofile_notificationprofile p ON p.timeslot_id = pf.notificationprofile_id
            WHERE pf.filter_id = NEW.id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notify_profiles_version v,
            argus_notificationprofile_notificationprofile_filters pf
            JOIN argus_notificationprofile_notificationprofile p ON p.timeslot_id = pf.notificationprofile_id
        WHERE v.id = 1 AND pf.filter_id = NEW.id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_phonenumber_update AFTER UPDATE ON argus_auth_phonenumber
    WHEN OLD.phone_number IS NOT NEW.phone_number
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.phone_number_id = NEW.id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.phone_number_id = NEW.id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_user_update AFTER UPDATE ON argus_auth_user
    WHEN OLD.username IS NOT NEW.username OR OLD.email IS NOT NEW.email OR OLD.is_active IS NOT NEW.is_active
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 AND EXISTS (
        SELECT 1 FROM argus_notificationprofile_notificationprofile p WHERE p.user_id = NEW.id);
    INSERT INTO argus_notify_profile_changes (user_id, version)
        SELECT DISTINCT p.user_id, v.version FROM argus_notificationprofile_notificationprofile p, argus_notify_profiles_version v
        WHERE v.id = 1 AND p.user_id = NEW.id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER argus_notify_user_update;
DROP TRIGGER argus_notify_phonenumber_update;
DROP TRIGGER argus_notify_filter_update;
DROP TRIGGER argus_notify_recurrence_update;
DROP TRIGGER argus_notify_recurrence_delete;
DROP TRIGGER argus_notify_recurrence_insert;
DROP TRIGGER argus_notify_profile_filter_update;
DROP TRIGGER argus_notify_profile_filter_delete;
DROP TRIGGER argus_notify_profile_filter_insert;
DROP TRIGGER argus_notify_profile_update;
DROP TRIGGER argus_notify_profile_delete;
DROP TRIGGER argus_notify_profile_insert;
DROP INDEX argus_notificationprofile_notificationprofile_phone_idx;
DROP TABLE argus_notify_profile_changes;
ALTER TABLE argus_notify_profiles_version DROP COLUMN reset;

-- 00002's triggers.
-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_notificationprofile_insert AFTER INSERT ON argus_notificationprofile_notificationprofile
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_notificationprofile_update AFTER UPDATE ON argus_notificationprofile_notificationprofile
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_notificationprofile_delete AFTER DELETE ON argus_notificationprofile_notificationprofile
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_np_filters_insert AFTER INSERT ON argus_notificationprofile_notificationprofile_filters
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_np_filters_update AFTER UPDATE ON argus_notificationprofile_notificationprofile_filters
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_np_filters_delete AFTER DELETE ON argus_notificationprofile_notificationprofile_filters
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_filter_insert AFTER INSERT ON argus_notificationprofile_filter
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_filter_update AFTER UPDATE ON argus_notificationprofile_filter
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_filter_delete AFTER DELETE ON argus_notificationprofile_filter
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timeslot_insert AFTER INSERT ON argus_notificationprofile_timeslot
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timeslot_update AFTER UPDATE ON argus_notificationprofile_timeslot
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timeslot_delete AFTER DELETE ON argus_notificationprofile_timeslot
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timerecurrence_insert AFTER INSERT ON argus_notificationprofile_timerecurrence
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timerecurrence_update AFTER UPDATE ON argus_notificationprofile_timerecurrence
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_np_timerecurrence_delete AFTER DELETE ON argus_notificationprofile_timerecurrence
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_auth_phonenumber_insert AFTER INSERT ON argus_auth_phonenumber
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_auth_phonenumber_update AFTER UPDATE ON argus_auth_phonenumber
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_auth_phonenumber_delete AFTER DELETE ON argus_auth_phonenumber
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_auth_user_update AFTER UPDATE OF email, is_active, username ON argus_auth_user
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER argus_notify_auth_user_delete AFTER DELETE ON argus_auth_user
    BEGIN UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

