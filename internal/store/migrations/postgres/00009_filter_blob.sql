-- Filters of Argus 2.x (api-v2.md §2.9, D27, D28): the structured filter
-- ("filter", a JSON object as text: json, unlike jsonb, keeps "\u0000")
-- replaces filter_string, whose two keys become
-- the blob's sourceSystemIds and tags; a filter may be public. API v1
-- shows the blob's two-key subset as its filter_string.

-- +goose Up
ALTER TABLE argus_notificationprofile_filter ADD COLUMN filter text NOT NULL DEFAULT '{}';
ALTER TABLE argus_notificationprofile_filter ADD COLUMN public boolean NOT NULL DEFAULT false;
UPDATE argus_notificationprofile_filter SET filter = json_build_object(
    'sourceSystemIds', COALESCE(filter_string::json -> 'sourceSystemIds', '[]'::json),
    'tags', COALESCE(filter_string::json -> 'tags', '[]'::json),
    'hide_closed_acked', false)::text;
DROP TRIGGER argus_notify_filter_updated ON argus_notificationprofile_filter;
ALTER TABLE argus_notificationprofile_filter DROP COLUMN filter_string;
CREATE CONSTRAINT TRIGGER argus_notify_filter_updated AFTER UPDATE
    ON argus_notificationprofile_filter DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD.filter IS DISTINCT FROM NEW.filter)
    EXECUTE FUNCTION argus_notify_filter_changed();
CREATE INDEX argus_notificationprofile_filter_public_idx ON argus_notificationprofile_filter (public) WHERE public;

-- +goose Down
-- One way, as 00008.
