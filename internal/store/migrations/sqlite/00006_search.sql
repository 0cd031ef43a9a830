-- The text search of the incident list (descriptions of incidents and of
-- their events) through trigram full-text indexes, so that a search of
-- 100,000 incidents reads the index, not every row. External-content
-- FTS5 tables index the columns where they are; triggers keep them in
-- step. SQLite only: PostgreSQL has trigram indexes of its own (pg_trgm).

-- +goose Up
CREATE VIRTUAL TABLE argus_search_incident USING fts5(
    description, content = 'argus_incident_incident', content_rowid = 'id', tokenize = 'trigram case_sensitive 0');
CREATE VIRTUAL TABLE argus_search_event USING fts5(
    description, content = 'argus_incident_event', content_rowid = 'id', tokenize = 'trigram case_sensitive 0');
INSERT INTO argus_search_incident (argus_search_incident) VALUES ('rebuild');
INSERT INTO argus_search_event (argus_search_event) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER argus_search_incident_insert AFTER INSERT ON argus_incident_incident BEGIN
    INSERT INTO argus_search_incident (rowid, description) VALUES (new.id, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER argus_search_incident_delete AFTER DELETE ON argus_incident_incident BEGIN
    INSERT INTO argus_search_incident (argus_search_incident, rowid, description) VALUES ('delete', old.id, old.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER argus_search_incident_update AFTER UPDATE OF description ON argus_incident_incident BEGIN
    INSERT INTO argus_search_incident (argus_search_incident, rowid, description) VALUES ('delete', old.id, old.description);
    INSERT INTO argus_search_incident (rowid, description) VALUES (new.id, new.description);
END;
-- +goose StatementEnd
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

-- +goose Down
DROP TRIGGER argus_search_event_update;
DROP TRIGGER argus_search_event_delete;
DROP TRIGGER argus_search_event_insert;
DROP TRIGGER argus_search_incident_update;
DROP TRIGGER argus_search_incident_delete;
DROP TRIGGER argus_search_incident_insert;
DROP TABLE argus_search_event;
DROP TABLE argus_search_incident;
