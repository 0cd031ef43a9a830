-- Rows of an existing Argus that `argus loaddata` understands but this
-- version has no use for yet (planned maintenance tasks, incident
-- relations, frontend preferences): kept as they came, so that a later
-- version can take them up and `argus dumpdata` writes them back (D23).

-- +goose Up
CREATE TABLE argus_fixture_kept (
    model  text NOT NULL,
    pk     text NOT NULL,
    fields text NOT NULL,
    PRIMARY KEY (model, pk)
);

-- +goose Down
DROP TABLE argus_fixture_kept;
