-- The whole data model of API v1 (api-v1.md §2). Table names follow the
-- original Django application. Times are UTC text in one fixed-width format
-- ('2006-01-02T15:04:05.000000Z'), so they sort as text; an open incident's
-- end_time is '9999-12-31T23:59:59.999999Z' (datetime.max, as the original
-- stored infinity outside PostgreSQL), which sorts after every real time (D7).
-- Booleans are 0/1 integers.

-- +goose Up
CREATE TABLE argus_auth_user (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    password     text NOT NULL DEFAULT '',
    last_login   text NULL,
    is_superuser integer NOT NULL DEFAULT 0,
    username     text NOT NULL UNIQUE,
    first_name   text NOT NULL DEFAULT '',
    last_name    text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    is_staff     integer NOT NULL DEFAULT 0,
    is_active    integer NOT NULL DEFAULT 1,
    date_joined  text NOT NULL
);

-- One API token per user; only a SHA-256 of the key is kept.
CREATE TABLE argus_auth_token (
    key_hash text PRIMARY KEY,
    user_id  integer NOT NULL UNIQUE REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    created  text NOT NULL
);

-- Web login sessions; only a SHA-256 of the cookie value is kept.
CREATE TABLE argus_auth_session (
    key_hash text PRIMARY KEY,
    user_id  integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    created  text NOT NULL,
    expires  text NOT NULL
);
CREATE INDEX argus_auth_session_user_idx ON argus_auth_session (user_id);

CREATE TABLE argus_auth_phonenumber (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    phone_number text NOT NULL
);
CREATE INDEX argus_auth_phonenumber_user_idx ON argus_auth_phonenumber (user_id);

CREATE TABLE argus_incident_sourcesystemtype (
    name text PRIMARY KEY
);

CREATE TABLE argus_incident_sourcesystem (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     text NOT NULL,
    type_id  text NOT NULL REFERENCES argus_incident_sourcesystemtype (name),
    user_id  integer NOT NULL UNIQUE REFERENCES argus_auth_user (id),
    base_url text NOT NULL DEFAULT '',
    CONSTRAINT sourcesystem_unique_name_per_type UNIQUE (name, type_id)
);

CREATE TABLE argus_incident_incident (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    start_time         text NOT NULL,
    end_time           text NULL,
    source_id          integer NOT NULL REFERENCES argus_incident_sourcesystem (id),
    source_incident_id text NOT NULL DEFAULT '',
    details_url        text NOT NULL DEFAULT '',
    description        text NOT NULL DEFAULT '',
    ticket_url         text NOT NULL DEFAULT '',
    level              integer NOT NULL DEFAULT 5 CHECK (level BETWEEN 1 AND 5)
);
-- D6: unique per source only when set.
CREATE UNIQUE INDEX incident_unique_source_incident_id
    ON argus_incident_incident (source_id, source_incident_id) WHERE source_incident_id <> '';
-- The cursor order (-start_time, -id) and the time filters.
CREATE INDEX argus_incident_incident_start_idx ON argus_incident_incident (start_time DESC, id DESC);
CREATE INDEX argus_incident_incident_end_idx ON argus_incident_incident (end_time);
CREATE INDEX argus_incident_incident_source_start_idx ON argus_incident_incident (source_id, start_time DESC, id DESC);
-- ?source_incident_id= without a source.
CREATE INDEX argus_incident_incident_source_incident_id_idx ON argus_incident_incident (source_incident_id);

CREATE TABLE argus_incident_tag (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    key   text NOT NULL,
    value text NOT NULL,
    CONSTRAINT tag_unique_key_and_value UNIQUE (key, value)
);

CREATE TABLE argus_incident_incidenttagrelation (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tag_id      integer NOT NULL REFERENCES argus_incident_tag (id) ON DELETE CASCADE,
    incident_id integer NOT NULL REFERENCES argus_incident_incident (id) ON DELETE CASCADE,
    added_by_id integer NOT NULL REFERENCES argus_auth_user (id),
    -- The tag's key and value, copied from its (immutable) tag row so that
    -- an incident's tags are read from this table alone.
    tag_key     text NOT NULL,
    tag_value   text NOT NULL,
    added_time  text NOT NULL,
    CONSTRAINT incidenttagrelation_unique_tags_per_incident UNIQUE (tag_id, incident_id)
);
CREATE INDEX argus_incident_incidenttagrelation_incident_idx ON argus_incident_incidenttagrelation (incident_id);

CREATE TABLE argus_incident_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id integer NOT NULL REFERENCES argus_incident_incident (id),
    actor_id    integer NOT NULL REFERENCES argus_auth_user (id),
    timestamp   text NOT NULL,
    received    text NOT NULL,
    type        text NOT NULL CHECK (type IN ('STA', 'END', 'CLO', 'REO', 'ACK', 'OTH')),
    description text NOT NULL DEFAULT ''
);
CREATE INDEX argus_incident_event_incident_idx ON argus_incident_event (incident_id, timestamp DESC);
-- The acked flag and ?acked= look only at ACK events.
CREATE INDEX argus_incident_event_ack_idx ON argus_incident_event (incident_id) WHERE type = 'ACK';

CREATE TABLE argus_incident_acknowledgement (
    event_id   integer PRIMARY KEY REFERENCES argus_incident_event (id) ON DELETE CASCADE,
    expiration text NULL
);

CREATE TABLE argus_notificationprofile_timeslot (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    name    text NOT NULL,
    CONSTRAINT timeslot_unique_name_per_user UNIQUE (name, user_id)
);
CREATE INDEX argus_notificationprofile_timeslot_user_idx ON argus_notificationprofile_timeslot (user_id);

-- days: sorted ISO weekdays, comma-separated ("1,2,3,4,5").
CREATE TABLE argus_notificationprofile_timerecurrence (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    timeslot_id integer NOT NULL REFERENCES argus_notificationprofile_timeslot (id) ON DELETE CASCADE,
    days        text NOT NULL,
    start       text NOT NULL,
    "end"       text NOT NULL
);
CREATE INDEX argus_notificationprofile_timerecurrence_timeslot_idx ON argus_notificationprofile_timerecurrence (timeslot_id);

CREATE TABLE argus_notificationprofile_filter (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    name          text NOT NULL,
    filter_string text NOT NULL,
    CONSTRAINT filter_unique_name_per_user UNIQUE (name, user_id)
);
CREATE INDEX argus_notificationprofile_filter_user_idx ON argus_notificationprofile_filter (user_id);

-- pk = timeslot pk (D15). media: comma-separated "EM,SM".
CREATE TABLE argus_notificationprofile_notificationprofile (
    timeslot_id     integer PRIMARY KEY REFERENCES argus_notificationprofile_timeslot (id) ON DELETE CASCADE,
    user_id         integer NOT NULL REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    media           text NOT NULL DEFAULT 'EM',
    active          integer NOT NULL DEFAULT 1,
    phone_number_id integer NULL REFERENCES argus_auth_phonenumber (id) ON DELETE SET NULL
);
CREATE INDEX argus_notificationprofile_notificationprofile_user_idx ON argus_notificationprofile_notificationprofile (user_id);

CREATE TABLE argus_notificationprofile_notificationprofile_filters (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    notificationprofile_id integer NOT NULL REFERENCES argus_notificationprofile_notificationprofile (timeslot_id) ON DELETE CASCADE,
    filter_id              integer NOT NULL REFERENCES argus_notificationprofile_filter (id) ON DELETE CASCADE,
    CONSTRAINT notificationprofile_filters_unique UNIQUE (notificationprofile_id, filter_id)
);
CREATE INDEX argus_notificationprofile_notificationprofile_filters_filter_idx ON argus_notificationprofile_notificationprofile_filters (filter_id);

-- +goose Down
DROP TABLE argus_notificationprofile_notificationprofile_filters;
DROP TABLE argus_notificationprofile_notificationprofile;
DROP TABLE argus_notificationprofile_filter;
DROP TABLE argus_notificationprofile_timerecurrence;
DROP TABLE argus_notificationprofile_timeslot;
DROP TABLE argus_incident_acknowledgement;
DROP TABLE argus_incident_event;
DROP TABLE argus_incident_incidenttagrelation;
DROP TABLE argus_incident_tag;
DROP TABLE argus_incident_incident;
DROP TABLE argus_incident_sourcesystem;
DROP TABLE argus_incident_sourcesystemtype;
DROP TABLE argus_auth_phonenumber;
DROP TABLE argus_auth_session;
DROP TABLE argus_auth_token;
DROP TABLE argus_auth_user;
