-- The text search of the incident list (descriptions of incidents and of
-- their events) through trigram indexes (pg_trgm, a trusted extension
-- that ships with PostgreSQL), so that ILIKE '%text%' over 100,000
-- incidents reads the index, not every row. The extension goes into the
-- schema public, once per database; the lock keeps migrations that run at
-- once in other schemas of the database (the tests) from racing to make
-- it. Where the extension cannot be had (no right to create it in public,
-- not installed), the search works without the indexes, reading every
-- row. SQLite has full-text tables instead.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    PERFORM pg_advisory_xact_lock(1920231203);
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    CREATE INDEX argus_incident_incident_description_trgm ON argus_incident_incident
        USING gin (description public.gin_trgm_ops);
    CREATE INDEX argus_incident_event_description_trgm ON argus_incident_event
        USING gin (description public.gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR undefined_object OR feature_not_supported THEN
    RAISE WARNING 'argus: no pg_trgm (%): the incident search reads every row', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS argus_incident_event_description_trgm;
DROP INDEX IF EXISTS argus_incident_incident_description_trgm;
