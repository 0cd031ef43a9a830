package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Preferences are what a person chose for the web UI's incident list.
type Preferences struct {
	// Columns are the columns the list shows, by name, in the list's
	// order; nil is the default set.
	Columns []string
	// PageSize is how many incidents a page holds; 0 is the default.
	PageSize int
}

// Preferences returns the user's choices; a user who made none gets the
// zero Preferences.
func (s *Store) Preferences(ctx context.Context, userID int64) (Preferences, error) {
	var (
		p       Preferences
		columns string
	)
	err := s.db.QueryRowContext(ctx, `SELECT columns, page_size FROM argus_web_preference WHERE user_id = $1`, userID).
		Scan(&columns, &p.PageSize)
	if errors.Is(err, sql.ErrNoRows) {
		return Preferences{}, nil
	}
	if err != nil {
		return p, fmt.Errorf("store: preferences of user %d: %w", userID, err)
	}
	p.Columns = strings.Split(columns, ",")
	if columns == "" {
		p.Columns = []string{}
	}
	return p, nil
}

// SetPreferences stores the user's choices, replacing any before.
func (s *Store) SetPreferences(ctx context.Context, userID int64, p Preferences) error {
	_, err := s.exec(ctx, `INSERT INTO argus_web_preference (user_id, columns, page_size) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET columns = excluded.columns, page_size = excluded.page_size`,
		userID, strings.Join(p.Columns, ","), p.PageSize)
	if err != nil {
		return fmt.Errorf("store: set preferences of user %d: %w", userID, err)
	}
	return nil
}
