package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// SourceTypes lists the source types ordered by name.
func (s *Store) SourceTypes(ctx context.Context) ([]argus.SourceType, error) {
	return collect(ctx, s.db, "list source types", func(rows *sql.Rows, t *argus.SourceType) error {
		return rows.Scan(&t.Name)
	}, `SELECT name FROM argus_incident_sourcesystemtype ORDER BY name`)
}

// CreateSourceType creates a type. The name must already be valid
// (argus.ValidateSourceTypeName); a taken name is CodeSourceTypeTaken.
func (s *Store) CreateSourceType(ctx context.Context, name string) (argus.SourceType, error) {
	_, err := s.exec(ctx, `INSERT INTO argus_incident_sourcesystemtype (name) VALUES ($1)`, name)
	if isUniqueViolation(err) {
		return argus.SourceType{}, argus.Conflict("SourceSystemType", "name", argus.CodeSourceTypeTaken)
	}
	if err != nil {
		return argus.SourceType{}, fmt.Errorf("store: create source type %q: %w", name, err)
	}
	return argus.SourceType{Name: name}, nil
}

// ensureSourceType creates the type unless it exists; concurrent callers
// do not collide.
func (s *Store) ensureSourceType(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO argus_incident_sourcesystemtype (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name)
	if err != nil {
		return fmt.Errorf("store: create source type %q: %w", name, err)
	}
	return nil
}

func (s *Store) sourceTypeExists(ctx context.Context, q queryer, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_incident_sourcesystemtype WHERE name = $1`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: look up source type %q: %w", name, err)
	}
	return n > 0, nil
}

const sourceColumns = `id, name, type_id, user_id, base_url`

func scanSource(row interface{ Scan(...any) error }, src *argus.Source) error {
	return row.Scan(&src.ID, &src.Name, &src.Type, &src.UserID, &src.BaseURL)
}

// Sources lists every source system by pk.
func (s *Store) Sources(ctx context.Context) ([]argus.Source, error) {
	return collect(ctx, s.db, "list sources", func(rows *sql.Rows, src *argus.Source) error {
		return scanSource(rows, src)
	}, `SELECT `+sourceColumns+` FROM argus_incident_sourcesystem ORDER BY id`)
}

// Source returns the source system with the given pk.
func (s *Store) Source(ctx context.Context, id int64) (argus.Source, error) {
	var src argus.Source
	err := scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM argus_incident_sourcesystem WHERE id = $1`, id), &src)
	if err != nil {
		return src, notFound(err, "SourceSystem", id)
	}
	return src, nil
}

// NewSource is what CreateSource needs.
type NewSource struct {
	Name    string
	Type    string
	BaseURL string
	// Username names the source's user; empty means Name.
	Username string
	// CreateType creates a missing type instead of refusing it (the CLI's
	// create-source does; the API does not).
	CreateType bool
	// By is who asks (argus.CanCreateSource); nil is the argus.Operator.
	By *argus.User
}

// CreateSource creates a source system and its user (with an unusable
// password and the default timeslot) in one transaction, as the original's
// add-source form: when the username is taken, "_" and six random
// uppercase hex digits are appended. Validation failures are an
// argus.Errors on the fields "name", "type" and "username" (Model
// "SourceSystem": the form's), and CodeSourceTaken on no field for a
// duplicate name and type.
func (s *Store) CreateSource(ctx context.Context, ns NewSource, now time.Time) (argus.Source, error) {
	if ns.Username == "" {
		ns.Username = ns.Name
	}
	by := ns.By
	if by == nil {
		by = argus.Operator()
	}
	if err := argus.CanCreateSource(by); err != nil {
		return argus.Source{}, err
	}
	var src argus.Source
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var errs argus.Errors
		if strings.TrimSpace(ns.Name) == "" {
			errs.Add(argus.Invalid("name", argus.CodeRequired))
		}
		if ns.Type == "" {
			errs.Add(argus.Invalid("type", argus.CodeRequired))
		} else if ns.CreateType {
			if err := argus.ValidateSourceTypeName(ns.Type); err != nil {
				for _, e := range argus.Refusals(err) {
					errs.Add(&argus.Error{Kind: e.Kind, Code: e.Code, Field: "type", Args: e.Args})
				}
			} else if err := s.ensureSourceType(ctx, tx, ns.Type); err != nil {
				return err
			}
		} else if ok, err := s.sourceTypeExists(ctx, tx, ns.Type); err != nil {
			return err
		} else if !ok {
			errs.Add(argus.Invalid("type", argus.CodeInvalidChoice))
		}
		if ns.Username != "" {
			for _, e := range argus.Refusals(argus.ValidateUsername(ns.Username)) {
				errs.Add(&argus.Error{Kind: e.Kind, Code: e.Code, Field: "username", Model: "SourceSystem", Args: e.Args})
			}
		}
		if len(errs) == 0 {
			var n int
			err := tx.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM argus_incident_sourcesystem WHERE name = $1 AND type_id = $2`,
				ns.Name, ns.Type).Scan(&n)
			if err != nil {
				return fmt.Errorf("store: look up source: %w", err)
			}
			if n > 0 {
				errs.Add(argus.Conflict("SourceSystem", "", argus.CodeSourceTaken))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		username, err := s.freeUsername(ctx, tx, ns.Username)
		if err != nil {
			return err
		}
		u, err := s.createUser(ctx, tx, NewUser{Username: username, Password: argus.UnusablePassword()}, now)
		if err != nil {
			return err
		}
		src = argus.Source{Name: ns.Name, Type: ns.Type, UserID: u.ID, BaseURL: ns.BaseURL}
		err = tx.QueryRowContext(ctx, `
			INSERT INTO argus_incident_sourcesystem (name, type_id, user_id, base_url)
			VALUES ($1, $2, $3, $4) RETURNING id`, src.Name, src.Type, src.UserID, src.BaseURL).Scan(&src.ID)
		if isUniqueViolation(err) {
			return argus.Conflict("SourceSystem", "", argus.CodeSourceTaken)
		}
		if err != nil {
			return fmt.Errorf("store: create source %q: %w", ns.Name, err)
		}
		return nil
	})
	return src, err
}

// freeUsername returns username, or username with a random "_XXXXXX"
// suffix when it is taken (api-v1.md §4.2).
func (s *Store) freeUsername(ctx context.Context, tx *sql.Tx, username string) (string, error) {
	candidate := username
	// The suffix must not take a name at the limit past it.
	base := []rune(username)
	base = base[:min(len(base), argus.MaxUsernameLength-7)]
	for range 10 {
		taken, err := s.usernameTaken(ctx, tx, candidate)
		if err != nil || !taken {
			return candidate, err
		}
		b := make([]byte, 3)
		_, _ = rand.Read(b) // never fails (Go 1.24+)
		candidate = string(base) + "_" + strings.ToUpper(hex.EncodeToString(b))
	}
	return "", argus.Conflict("SourceSystem", "username", argus.CodeUsernameTaken)
}

// RenameSource changes a source's name, the only field the API may change
// (api-v1.md §4.2), if by may (argus.CanChangeSource).
func (s *Store) RenameSource(ctx context.Context, id int64, name string, by *argus.User) (argus.Source, error) {
	var src argus.Source
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM argus_incident_sourcesystem WHERE id = $1`+s.dialect.forUpdate(), id), &src); err != nil {
			return notFound(err, "SourceSystem", id)
		}
		if err := argus.CanChangeSource(by, &src); err != nil {
			return err
		}
		var n int
		err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM argus_incident_sourcesystem WHERE name = $1 AND type_id = $2 AND id <> $3`,
			name, src.Type, id).Scan(&n)
		if err != nil {
			return fmt.Errorf("store: look up source: %w", err)
		}
		if n > 0 {
			return argus.Conflict("SourceSystem", "name", argus.CodeSourceTaken)
		}
		_, err = tx.ExecContext(ctx, `UPDATE argus_incident_sourcesystem SET name = $2 WHERE id = $1`, id, name)
		if isUniqueViolation(err) {
			return argus.Conflict("SourceSystem", "name", argus.CodeSourceTaken)
		}
		if err != nil {
			return fmt.Errorf("store: rename source %d: %w", id, err)
		}
		src.Name = name
		return nil
	})
	return src, err
}

// EnsureDefaults makes sure the superuser "argus" (no usable password), the
// source type "argus" and the source system "argus" exist, as the
// original's initial_setup does. It reports whether it created anything.
func (s *Store) EnsureDefaults(ctx context.Context, now time.Time) (created bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM argus_auth_user WHERE username = 'argus'`).Scan(&userID)
		switch {
		case err == sql.ErrNoRows:
			u, err := s.createUser(ctx, tx, NewUser{
				Username: "argus", Password: argus.UnusablePassword(), IsSuperuser: true,
			}, now)
			if err != nil {
				return err
			}
			userID, created = u.ID, true
		case err != nil:
			return fmt.Errorf("store: look up user argus: %w", err)
		}
		exists, err := s.sourceTypeExists(ctx, tx, "argus")
		if err != nil {
			return err
		}
		if !exists {
			if err := s.ensureSourceType(ctx, tx, "argus"); err != nil {
				return err
			}
			created = true
		}
		var n int
		if err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM argus_incident_sourcesystem WHERE name = 'argus' AND type_id = 'argus'`).Scan(&n); err != nil {
			return fmt.Errorf("store: look up source argus: %w", err)
		}
		if n == 0 {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO argus_incident_sourcesystem (name, type_id, user_id, base_url)
				VALUES ('argus', 'argus', $1, '')`, userID)
			if err != nil {
				return fmt.Errorf("store: create source argus: %w", err)
			}
			created = true
		}
		return nil
	})
	return created, err
}

// mustAffect turns "no row changed" into argus.NotFound of the model.
func mustAffect(res sql.Result, model string, key any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s %v: %w", model, key, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s %v: %w", model, key, argus.NotFound(model, key))
	}
	return nil
}

// SourceSeen records that the source system was heard from at now
// (D34), unless it was recorded less than every ago: a source posting
// many requests writes once per SourceSeenEvery, not once per request.
func (s *Store) SourceSeen(ctx context.Context, sourceID int64, now time.Time, every time.Duration) error {
	_, err := s.exec(ctx, `UPDATE argus_incident_sourcesystem SET last_seen = $2
		WHERE id = $1 AND (last_seen IS NULL OR last_seen <= $3)`,
		sourceID, s.dialect.t(now), s.dialect.t(now.Add(-every)))
	if err != nil {
		return fmt.Errorf("store: source %d seen: %w", sourceID, err)
	}
	return nil
}

// SourceSeenEvery is how often at most SourceSeen writes a source's
// last_seen.
const SourceSeenEvery = 10 * time.Second

// SourceLastSeen is when the source system was last heard from; nil:
// never.
func (s *Store) SourceLastSeen(ctx context.Context, sourceID int64) (*time.Time, error) {
	var t *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT last_seen FROM argus_incident_sourcesystem WHERE id = $1`, sourceID).Scan(scanNullTime(&t))
	if err != nil {
		return nil, notFound(err, "SourceSystem", sourceID)
	}
	return t, nil
}
