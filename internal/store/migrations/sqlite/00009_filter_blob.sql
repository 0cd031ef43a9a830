-- Filters of Argus 2.x (api-v2.md §2.9, D27, D28): the structured filter
-- ("filter", a JSON object as text) replaces filter_string, whose two keys
-- become the blob's sourceSystemIds and tags; a filter may be public. API
-- v1 shows the blob's two-key subset as its filter_string.

-- +goose Up
ALTER TABLE argus_notificationprofile_filter ADD COLUMN filter text NOT NULL DEFAULT '{}';
ALTER TABLE argus_notificationprofile_filter ADD COLUMN public integer NOT NULL DEFAULT 0;
UPDATE argus_notificationprofile_filter SET filter = json_object(
    'sourceSystemIds', json(COALESCE(json_extract(filter_string, '$.sourceSystemIds'), '[]')),
    'tags', json(COALESCE(json_extract(filter_string, '$.tags'), '[]')),
    'hide_closed_acked', json('false'));
DROP TRIGGER argus_notify_filter_update;
ALTER TABLE argus_notificationprofile_filter DROP COLUMN filter_string;
-- +goose StatementBegin
CREATE TRIGGER argus_notify_filter_update AFTER UPDATE ON argus_notificationprofile_filter
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.name IS NOT NEW.name OR
        OLD.filter IS NOT NEW.filter
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
CREATE INDEX argus_notificationprofile_filter_public_idx ON argus_notificationprofile_filter (public) WHERE public;

-- +goose Down
-- One way, as 00008.
