-- What each person chose for the web UI's incident list: which columns it
-- shows and how many incidents a page holds. A user without a row sees
-- the defaults.

-- +goose Up
CREATE TABLE argus_web_preference (
    user_id   integer PRIMARY KEY REFERENCES argus_auth_user (id) ON DELETE CASCADE,
    columns   text    NOT NULL,
    page_size integer NOT NULL
);

-- +goose Down
DROP TABLE argus_web_preference;
