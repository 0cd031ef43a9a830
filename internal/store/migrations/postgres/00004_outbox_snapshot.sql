-- What a late notification describes (D10): the incident as it was right
-- after its event, taken in the event's own transaction and kept with the
-- outbox row, so that dispatch matches and renders that and not the
-- incident as it is when a backlog lets dispatch reach the event. JSON,
-- encoded by the store (outboxIncident); NULL in rows queued before this
-- migration, which dispatch reads as the incident is then.

-- +goose Up
ALTER TABLE argus_notify_outbox ADD COLUMN incident text NULL;

-- +goose Down
ALTER TABLE argus_notify_outbox DROP COLUMN incident;
