-- Notification delivery (D10–D14, D20). An event to dispatch is a row in
-- argus_notify_outbox, inserted in the event's own transaction; dispatch
-- turns it into messages in one transaction and deletes it. Workers claim
-- due messages with immediate transactions (SQLite has one writer).

-- +goose Up
CREATE TABLE argus_notify_outbox (
    event_id integer PRIMARY KEY REFERENCES argus_incident_event (id) ON DELETE CASCADE,
    -- When a dispatcher may take the event: now when it is stored, the
    -- end of the lease while a dispatcher works on it.
    due      text NOT NULL
);
CREATE INDEX argus_notify_outbox_due_idx ON argus_notify_outbox (due);

-- The rendered notification of one event on one medium, shared by all
-- its recipients.
CREATE TABLE argus_notify_content (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id integer NOT NULL REFERENCES argus_incident_event (id) ON DELETE CASCADE,
    medium   text NOT NULL,
    subject  text NOT NULL,
    body     text NOT NULL,
    html     text NOT NULL DEFAULT '',
    CONSTRAINT notify_content_unique UNIQUE (event_id, medium)
);

CREATE TABLE argus_notify_message (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id  integer NOT NULL REFERENCES argus_notify_content (id) ON DELETE CASCADE,
    event_id    integer NOT NULL,
    incident_id integer NOT NULL,
    user_id     integer NULL REFERENCES argus_auth_user (id) ON DELETE SET NULL,
    medium      text NOT NULL,
    -- The email address (EM) or E.164 phone number (SM); empty when the
    -- user has none, and the message failed at once.
    recipient   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created     text NOT NULL,
    updated     text NOT NULL,
    -- queued: the next attempt; sending: the end of the worker's lease.
    due         text NOT NULL,
    -- Transient failures are retried until then (ARGUS_NOTIFICATION_RETRY_FOR).
    deadline    text NOT NULL,
    sent        text NULL
);
-- One message per recipient per medium per event (D11).
CREATE UNIQUE INDEX argus_notify_message_recipient_idx ON argus_notify_message (event_id, medium, recipient)
    WHERE recipient <> '';
-- What workers claim.
CREATE INDEX argus_notify_message_due_idx ON argus_notify_message (due) WHERE status IN ('queued', 'sending');
CREATE INDEX argus_notify_message_incident_idx ON argus_notify_message (incident_id);
CREATE INDEX argus_notify_message_status_idx ON argus_notify_message (status, id);
CREATE INDEX argus_notify_message_content_idx ON argus_notify_message (content_id);

-- Dispatch keeps every active profile in memory and reloads them when this
-- number changes. Triggers on everything a profile is made of bump it in
-- the changing transaction, whatever code path changes them.
CREATE TABLE argus_notify_profiles_version (
    id      integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
);
INSERT INTO argus_notify_profiles_version (id, version) VALUES (1, 1);

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

-- +goose Down
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
DROP TABLE argus_notify_profiles_version;
DROP TABLE argus_notify_message;
DROP TABLE argus_notify_content;
DROP TABLE argus_notify_outbox;
