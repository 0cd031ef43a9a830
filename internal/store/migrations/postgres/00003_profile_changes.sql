-- Which users' profiles changed (issue 10). 00002 bumped the profiles
-- version on every statement that touched a profile table, even one that
-- changed no row, and every instance then reloaded every profile. Now row
-- triggers record, per user, the version at which something that dispatch
-- loads for them changed (ActiveProfiles: a profile's media, active flag
-- and phone number, its filters' names and specs, its timeslot's
-- recurrences, the user's username, email and active flag), and only when
-- it really changed; dispatch reloads only those users' profiles.
--
-- Rows that no profile uses yet (a new filter, timeslot or phone number)
-- record nothing, and neither do timeslot names, which dispatch does not
-- load. Deletes that matter reach a profile through a foreign key action
-- (ON DELETE CASCADE or SET NULL), whose row changes fire these triggers.
--
-- The triggers are deferred constraint triggers: they run at commit, so
-- the version row, which the transaction's first recording updates, is
-- the last lock a transaction takes and is held only while it commits.
-- That orders the versions in commit order, and a transaction holding it
-- waits for no other lock, so it cannot be part of a deadlock.

-- +goose Up
DROP TRIGGER argus_notify_profiles_changed_delete ON argus_auth_user;
DROP TRIGGER argus_notify_profiles_changed ON argus_auth_user;
DROP TRIGGER argus_notify_profiles_changed ON argus_auth_phonenumber;
DROP TRIGGER argus_notify_profiles_changed ON argus_notificationprofile_timerecurrence;
DROP TRIGGER argus_notify_profiles_changed ON argus_notificationprofile_timeslot;
DROP TRIGGER argus_notify_profiles_changed ON argus_notificationprofile_filter;
DROP TRIGGER argus_notify_profiles_changed ON argus_notificationprofile_notificationprofile_filters;
DROP TRIGGER argus_notify_profiles_changed ON argus_notificationprofile_notificationprofile;
DROP FUNCTION argus_notify_profiles_changed();

-- reset: the version at which every profile must be reloaded (a profile
-- table was truncated, which no row trigger sees).
ALTER TABLE argus_notify_profiles_version ADD COLUMN reset bigint NOT NULL DEFAULT 0;

-- One row per user whose profiles ever changed: the version of the last
-- change.
CREATE TABLE argus_notify_profile_changes (
    user_id bigint PRIMARY KEY,
    version bigint NOT NULL
);
CREATE INDEX argus_notify_profile_changes_version_idx ON argus_notify_profile_changes (version);

-- The profiles that use a phone number: for the trigger below and for
-- ON DELETE SET NULL, which scanned every profile.
CREATE INDEX argus_notificationprofile_notificationprofile_phone_idx
    ON argus_notificationprofile_notificationprofile (phone_number_id);

-- Records that the profiles of users changed. The transaction's first
-- recording bumps the version and keeps the new one in a
-- transaction-local setting for the others.
-- +goose StatementBegin
CREATE FUNCTION argus_notify_profiles_record(users bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    users := ARRAY(SELECT DISTINCT u FROM unnest(users) AS u WHERE u IS NOT NULL);
    IF cardinality(users) = 0 THEN
        RETURN;
    END IF;
    v := NULLIF(current_setting('argus.notify_profiles_version', true), '')::bigint;
    IF v IS NULL THEN
        UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
        PERFORM set_config('argus.notify_profiles_version', v::text, true);
    END IF;
    INSERT INTO argus_notify_profile_changes (user_id, version) SELECT u, v FROM unnest(users) AS u
        ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version
        WHERE argus_notify_profile_changes.version <> EXCLUDED.version;
END
$$;
-- +goose StatementEnd

-- A profile: its user (OLD is NULL on INSERT, NEW on DELETE).
-- +goose StatementBegin
CREATE FUNCTION argus_notify_profile_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY[OLD.user_id, NEW.user_id]);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A profile's filter or recurrence: the user of the profile, unless the
-- profile is gone (its own trigger recorded that).
-- +goose StatementBegin
CREATE FUNCTION argus_notify_profile_filter_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY(SELECT user_id FROM argus_notificationprofile_notificationprofile
        WHERE timeslot_id IN (OLD.notificationprofile_id, NEW.notificationprofile_id)));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION argus_notify_recurrence_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY(SELECT user_id FROM argus_notificationprofile_notificationprofile
        WHERE timeslot_id IN (OLD.timeslot_id, NEW.timeslot_id)));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A filter: the users of every profile that uses it (filters may be
-- shared in API v2).
-- +goose StatementBegin
CREATE FUNCTION argus_notify_filter_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY(SELECT p.user_id
        FROM argus_notificationprofile_notificationprofile_filters pf
        JOIN argus_notificationprofile_notificationprofile p ON p.timeslot_id = pf.notificationprofile_id
        WHERE pf.filter_id = NEW.id));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A phone number: the users of the profiles that use it.
-- +goose StatementBegin
CREATE FUNCTION argus_notify_phonenumber_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY(SELECT user_id FROM argus_notificationprofile_notificationprofile
        WHERE phone_number_id = NEW.id));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A user's contact or active flag: the user, if they have a profile.
-- +goose StatementBegin
CREATE FUNCTION argus_notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM argus_notify_profiles_record(ARRAY(SELECT user_id FROM argus_notificationprofile_notificationprofile
        WHERE user_id = NEW.id LIMIT 1));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A truncated table: everything.
-- +goose StatementBegin
CREATE FUNCTION argus_notify_profiles_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1, reset = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER argus_notify_profile_changed AFTER INSERT OR DELETE
    ON argus_notificationprofile_notificationprofile DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION argus_notify_profile_changed();
CREATE CONSTRAINT TRIGGER argus_notify_profile_updated AFTER UPDATE
    ON argus_notificationprofile_notificationprofile DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.timeslot_id IS DISTINCT FROM NEW.timeslot_id OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.media IS DISTINCT FROM NEW.media OR OLD.active IS DISTINCT FROM NEW.active
        OR OLD.phone_number_id IS DISTINCT FROM NEW.phone_number_id)
    EXECUTE FUNCTION argus_notify_profile_changed();

CREATE CONSTRAINT TRIGGER argus_notify_profile_filter_changed AFTER INSERT OR DELETE
    ON argus_notificationprofile_notificationprofile_filters DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION argus_notify_profile_filter_changed();
CREATE CONSTRAINT TRIGGER argus_notify_profile_filter_updated AFTER UPDATE
    ON argus_notificationprofile_notificationprofile_filters DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.notificationprofile_id IS DISTINCT FROM NEW.notificationprofile_id
        OR OLD.filter_id IS DISTINCT FROM NEW.filter_id)
    EXECUTE FUNCTION argus_notify_profile_filter_changed();

CREATE CONSTRAINT TRIGGER argus_notify_recurrence_changed AFTER INSERT OR DELETE
    ON argus_notificationprofile_timerecurrence DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION argus_notify_recurrence_changed();
CREATE CONSTRAINT TRIGGER argus_notify_recurrence_updated AFTER UPDATE
    ON argus_notificationprofile_timerecurrence DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.timeslot_id IS DISTINCT FROM NEW.timeslot_id OR OLD.days IS DISTINCT FROM NEW.days
        OR OLD.start IS DISTINCT FROM NEW.start OR OLD."end" IS DISTINCT FROM NEW."end")
    EXECUTE FUNCTION argus_notify_recurrence_changed();

CREATE CONSTRAINT TRIGGER argus_notify_filter_updated AFTER UPDATE
    ON argus_notificationprofile_filter DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD.filter_string IS DISTINCT FROM NEW.filter_string)
    EXECUTE FUNCTION argus_notify_filter_changed();

CREATE CONSTRAINT TRIGGER argus_notify_phonenumber_updated AFTER UPDATE
    ON argus_auth_phonenumber DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.phone_number IS DISTINCT FROM NEW.phone_number)
    EXECUTE FUNCTION argus_notify_phonenumber_changed();

CREATE CONSTRAINT TRIGGER argus_notify_user_updated AFTER UPDATE
    ON argus_auth_user DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.email IS DISTINCT FROM NEW.email
        OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION argus_notify_user_changed();

CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_notificationprofile_notificationprofile FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();
CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_notificationprofile_notificationprofile_filters FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();
CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_notificationprofile_timerecurrence FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();
CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_notificationprofile_filter FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();
CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_auth_phonenumber FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();
CREATE TRIGGER argus_notify_profiles_truncated AFTER TRUNCATE
    ON argus_auth_user FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_truncated();

-- +goose Down
DROP TRIGGER argus_notify_profiles_truncated ON argus_auth_user;
DROP TRIGGER argus_notify_profiles_truncated ON argus_auth_phonenumber;
DROP TRIGGER argus_notify_profiles_truncated ON argus_notificationprofile_filter;
DROP TRIGGER argus_notify_profiles_truncated ON argus_notificationprofile_timerecurrence;
DROP TRIGGER argus_notify_profiles_truncated ON argus_notificationprofile_notificationprofile_filters;
DROP TRIGGER argus_notify_profiles_truncated ON argus_notificationprofile_notificationprofile;
DROP TRIGGER argus_notify_user_updated ON argus_auth_user;
DROP TRIGGER argus_notify_phonenumber_updated ON argus_auth_phonenumber;
DROP TRIGGER argus_notify_filter_updated ON argus_notificationprofile_filter;
DROP TRIGGER argus_notify_recurrence_updated ON argus_notificationprofile_timerecurrence;
DROP TRIGGER argus_notify_recurrence_changed ON argus_notificationprofile_timerecurrence;
DROP TRIGGER argus_notify_profile_filter_updated ON argus_notificationprofile_notificationprofile_filters;
DROP TRIGGER argus_notify_profile_filter_changed ON argus_notificationprofile_notificationprofile_filters;
DROP TRIGGER argus_notify_profile_updated ON argus_notificationprofile_notificationprofile;
DROP TRIGGER argus_notify_profile_changed ON argus_notificationprofile_notificationprofile;
DROP FUNCTION argus_notify_profiles_truncated();
DROP FUNCTION argus_notify_user_changed();
DROP FUNCTION argus_notify_phonenumber_changed();
DROP FUNCTION argus_notify_filter_changed();
DROP FUNCTION argus_notify_recurrence_changed();
DROP FUNCTION argus_notify_profile_filter_changed();
DROP FUNCTION argus_notify_profile_changed();
DROP FUNCTION argus_notify_profiles_record(bigint[]);
DROP INDEX argus_notificationprofile_notificationprofile_phone_idx;
DROP TABLE argus_notify_profile_changes;
ALTER TABLE argus_notify_profiles_version DROP COLUMN reset;

-- 00002's statement triggers.
-- +goose StatementBegin
CREATE FUNCTION argus_notify_profiles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE argus_notify_profiles_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_notificationprofile_notificationprofile FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_notificationprofile_notificationprofile_filters FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_notificationprofile_filter FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_notificationprofile_timeslot FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_notificationprofile_timerecurrence FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON argus_auth_phonenumber FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed AFTER UPDATE OF email, is_active, username
    ON argus_auth_user FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
CREATE TRIGGER argus_notify_profiles_changed_delete AFTER DELETE
    ON argus_auth_user FOR EACH STATEMENT EXECUTE FUNCTION argus_notify_profiles_changed();
