-- The text search of the incident list (descriptions of incidents and of
-- their events) through trigram indexes (pg_trgm, a trusted extension
-- that ships with PostgreSQL), so that ILIKE '%text%' over 100,000
-- incidents reads the index, not every row. The extension goes into the
-- schema public, once per database; the lock keeps migrations that run at
-- once in other schemas of the database (the tests) from racing to make
-- it. SQLite has full-text tables instead.

-- +goose Up
SELECT pg_advisory_xact_lock(1920231203);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX argus_incident_incident_description_trgm ON argus_incident_incident
    USING gin (description public.gin_trgm_ops);
CREATE INDEX argus_incident_event_description_trgm ON argus_incident_event
    USING gin (description public.gin_trgm_ops);

-- +goose Down
DROP INDEX argus_incident_event_description_trgm;
DROP INDEX argus_incident_incident_description_trgm;
