package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// ProfileInput is what creating or replacing a profile names: the
// caller's own timeslot, filters and phone number, by pk.
type ProfileInput struct {
	TimeslotID    int64
	FilterIDs     []int64
	Media         []argus.Medium
	PhoneNumberID *int64
	Active        bool
}

// Profiles returns the user's profiles, expanded with their timeslot,
// filters and phone number, in four queries however many there are.
func (s *Store) Profiles(ctx context.Context, userID int64) ([]argus.Profile, error) {
	return s.profiles(ctx, s.db, userID, 0)
}

// Profile returns one of the user's profiles; its pk is its timeslot's
// (D15). Another user's is not found.
func (s *Store) Profile(ctx context.Context, userID, id int64) (argus.Profile, error) {
	return s.profile(ctx, s.db, userID, id)
}

func (s *Store) profile(ctx context.Context, q queryer, userID, id int64) (argus.Profile, error) {
	if id < 1 {
		// No row has it, and 0 would mean "all" to profiles.
		return argus.Profile{}, fmt.Errorf("store: profile %d: %w", id, argus.NotFound("NotificationProfile", id))
	}
	list, err := s.profiles(ctx, q, userID, id)
	if err != nil {
		return argus.Profile{}, err
	}
	if len(list) == 0 {
		return argus.Profile{}, fmt.Errorf("store: profile %d: %w", id, argus.NotFound("NotificationProfile", id))
	}
	return list[0], nil
}

// profiles reads the user's profiles, or only the one with pk id.
func (s *Store) profiles(ctx context.Context, q queryer, userID, id int64) ([]argus.Profile, error) {
	list, err := collect(ctx, q, "list profiles", func(rows *sql.Rows, p *argus.Profile) error {
		var (
			media   string
			phoneID *int64
			number  *string
		)
		if err := rows.Scan(&p.ID, &p.UserID, &media, &p.Active, &phoneID, &number); err != nil {
			return err
		}
		p.Media = splitMedia(media)
		if phoneID != nil {
			p.PhoneNumber = &argus.PhoneNumber{ID: *phoneID, UserID: p.UserID, Number: *number}
		}
		return nil
	}, `SELECT p.timeslot_id, p.user_id, p.media, p.active, ph.id, ph.phone_number
		FROM argus_notificationprofile_notificationprofile p
		LEFT JOIN argus_auth_phonenumber ph ON ph.id = p.phone_number_id
		WHERE p.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR p.timeslot_id = $2) ORDER BY p.timeslot_id`, userID, id)
	if err != nil || len(list) == 0 {
		return list, err
	}
	slots, err := s.timeslots(ctx, q, userID, id)
	if err != nil {
		return nil, err
	}
	filters, err := s.filters(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	type link struct{ profile, filter int64 }
	links, err := collect(ctx, q, "list profile filters", func(rows *sql.Rows, l *link) error {
		return rows.Scan(&l.profile, &l.filter)
	}, `SELECT pf.notificationprofile_id, pf.filter_id
		FROM argus_notificationprofile_notificationprofile_filters pf
		JOIN argus_notificationprofile_notificationprofile p ON p.timeslot_id = pf.notificationprofile_id
		WHERE p.user_id = $1 ORDER BY pf.filter_id`, userID)
	if err != nil {
		return nil, err
	}
	slotByID := make(map[int64]argus.Timeslot, len(slots))
	for _, ts := range slots {
		slotByID[ts.ID] = ts
	}
	filterByID := make(map[int64]argus.Filter, len(filters))
	for _, f := range filters {
		filterByID[f.ID] = f
	}
	profileByID := make(map[int64]*argus.Profile, len(list))
	for i := range list {
		p := &list[i]
		p.Timeslot = slotByID[p.ID]
		p.Filters = []argus.Filter{}
		profileByID[p.ID] = p
	}
	for _, l := range links {
		if p, ok := profileByID[l.profile]; ok {
			p.Filters = append(p.Filters, filterByID[l.filter])
		}
	}
	return list, nil
}

func splitMedia(s string) []argus.Medium {
	media := []argus.Medium{}
	for _, m := range strings.Split(s, ",") {
		if m != "" {
			media = append(media, argus.Medium(m))
		}
	}
	return media
}

func joinMedia(media []argus.Medium) string {
	parts := make([]string, 0, len(media))
	for _, m := range media {
		if !slices.Contains(parts, string(m)) {
			parts = append(parts, string(m))
		}
	}
	return strings.Join(parts, ",")
}

// ProfileReferenceErrors returns the refusals (CodeUnknownReference) of
// the references of in that are not the user's (api-v1.md §4.4), or nil.
func (s *Store) ProfileReferenceErrors(ctx context.Context, userID int64, in ProfileInput) (argus.Errors, error) {
	err := s.checkReferences(ctx, s.db, userID, in)
	var es argus.Errors
	if errors.As(err, &es) {
		return es, nil
	}
	return nil, err
}

// checkReferences refuses references to objects that are not the user's,
// one CodeUnknownReference per field (api-v1.md §4.4).
func (s *Store) checkReferences(ctx context.Context, q queryer, userID int64, in ProfileInput) error {
	var errs argus.Errors
	owned := func(table string, id int64) (bool, error) {
		var n int
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1 AND user_id = $2`, id, userID).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("store: look up %s %d: %w", table, id, err)
		}
		return n > 0, nil
	}
	if ok, err := owned("argus_notificationprofile_timeslot", in.TimeslotID); err != nil {
		return err
	} else if !ok {
		errs.Add(argus.Invalid("timeslot", argus.CodeUnknownReference, in.TimeslotID))
	}
	for _, fid := range in.FilterIDs {
		if ok, err := owned("argus_notificationprofile_filter", fid); err != nil {
			return err
		} else if !ok {
			errs.Add(argus.Invalid("filters", argus.CodeUnknownReference, fid))
			break
		}
	}
	if in.PhoneNumberID != nil {
		if ok, err := owned("argus_auth_phonenumber", *in.PhoneNumberID); err != nil {
			return err
		} else if !ok {
			errs.Add(argus.Invalid("phone_number", argus.CodeUnknownReference, *in.PhoneNumberID))
		}
	}
	return errs.Err()
}

// profileTaken is the refusal of a second profile on a timeslot (D15).
func profileTaken(timeslotID int64) error {
	return argus.Conflict("NotificationProfile", "timeslot", argus.CodeProfileTaken, timeslotID)
}

// CreateProfile stores a profile of the user on in.TimeslotID, which
// becomes its pk (D15).
func (s *Store) CreateProfile(ctx context.Context, userID int64, in ProfileInput) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		if err := s.checkReferences(ctx, tx, userID, in); err != nil {
			return err
		}
		if err := s.insertProfile(ctx, tx, userID, in); err != nil {
			return err
		}
		var err error
		p, err = s.profile(ctx, tx, userID, in.TimeslotID)
		return err
	})
	return p, err
}

func (s *Store) insertProfile(ctx context.Context, tx *sql.Tx, userID int64, in ProfileInput) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile
		(timeslot_id, user_id, media, active, phone_number_id) VALUES ($1, $2, $3, $4, $5)`,
		in.TimeslotID, userID, joinMedia(in.Media), in.Active, in.PhoneNumberID)
	if isUniqueViolation(err) {
		return profileTaken(in.TimeslotID)
	}
	if err != nil {
		return fmt.Errorf("store: create profile: %w", err)
	}
	return s.setProfileFilters(ctx, tx, in.TimeslotID, in.FilterIDs)
}

// setProfileFilters makes filterIDs the profile's filters, writing only
// the links that change: an unchanged list changes no row, so it records
// no profile change for dispatch to reload (migration 00003).
func (s *Store) setProfileFilters(ctx context.Context, tx *sql.Tx, id int64, filterIDs []int64) error {
	ids := make([]int64, 0, len(filterIDs)) // not nil: NULL would keep every link
	for _, fid := range filterIDs {
		if !slices.Contains(ids, fid) {
			ids = append(ids, fid)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_notificationprofile_filters
		WHERE notificationprofile_id = $1 AND NOT (filter_id `+s.dialect.inIDs("$2")+`)`, id, s.dialect.ids(ids)); err != nil {
		return fmt.Errorf("store: set filters of profile %d: %w", id, err)
	}
	for _, fid := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile_filters
			(notificationprofile_id, filter_id) VALUES ($1, $2)
			ON CONFLICT (notificationprofile_id, filter_id) DO NOTHING`, id, fid); err != nil {
			return fmt.Errorf("store: set filters of profile %d: %w", id, err)
		}
	}
	return nil
}

// UpdateProfile replaces one of the user's profiles. A different
// in.TimeslotID moves it: the profile's pk becomes the new timeslot's and
// the old pk is gone (D15); a timeslot that already has a profile is
// refused with 400.
func (s *Store) UpdateProfile(ctx context.Context, userID, id int64, in ProfileInput) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		if _, err := s.profile(ctx, tx, userID, id); err != nil {
			return err
		}
		if err := s.checkReferences(ctx, tx, userID, in); err != nil {
			return err
		}
		if in.TimeslotID != id {
			if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_notificationprofile
				WHERE timeslot_id = $1`, id); err != nil {
				return fmt.Errorf("store: move profile %d: %w", id, err)
			}
			if err := s.insertProfile(ctx, tx, userID, in); err != nil {
				return err
			}
		} else {
			_, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_notificationprofile
				SET media = $2, active = $3, phone_number_id = $4 WHERE timeslot_id = $1`,
				id, joinMedia(in.Media), in.Active, in.PhoneNumberID)
			if err != nil {
				return fmt.Errorf("store: update profile %d: %w", id, err)
			}
			if err := s.setProfileFilters(ctx, tx, id, in.FilterIDs); err != nil {
				return err
			}
		}
		var err error
		p, err = s.profile(ctx, tx, userID, in.TimeslotID)
		return err
	})
	return p, err
}

// DeleteProfile deletes one of the user's profiles.
func (s *Store) DeleteProfile(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_notificationprofile
		WHERE timeslot_id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete profile %d: %w", id, err)
	}
	return mustAffect(res, "NotificationProfile", id)
}

// filtersPerQuery bounds the filters matched in one statement: each has at
// most about 1,200 parameters (the API bounds its lists), so a statement
// stays far below SQLite's 32,766.
const filtersPerQuery = 8

// MatchingIncidents lists the incidents that fit any of the filters (D8),
// newest first, with the conditions in SQL: a filter's sources are an IN
// list, its tags one EXISTS per key; a filter with neither matches
// nothing. The result is what argus.FilterSpec.Matches accepts. Profiles
// with more than a few filters take one statement per eight filters.
func (s *Store) MatchingIncidents(ctx context.Context, specs []argus.FilterSpec, now time.Time) ([]argus.Incident, error) {
	if len(specs) <= filtersPerQuery {
		return s.matchingIncidents(ctx, specs, now)
	}
	seen := map[int64]bool{}
	var all []argus.Incident
	for chunk := range slices.Chunk(specs, filtersPerQuery) {
		list, err := s.matchingIncidents(ctx, chunk, now)
		if err != nil {
			return nil, err
		}
		for _, inc := range list {
			if !seen[inc.ID] {
				seen[inc.ID] = true
				all = append(all, inc)
			}
		}
	}
	slices.SortFunc(all, func(a, b argus.Incident) int {
		if c := b.StartTime.Compare(a.StartTime); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if all == nil {
		all = []argus.Incident{}
	}
	return all, nil
}

func (s *Store) matchingIncidents(ctx context.Context, specs []argus.FilterSpec, now time.Time) ([]argus.Incident, error) {
	q := &query{}
	nowArg := q.arg(s.dialect.t(now))
	var alternatives []string
	for _, spec := range specs {
		if len(spec.SourceIDs) == 0 && len(spec.Tags) == 0 {
			continue
		}
		fq := &query{args: q.args}
		s.filterIncidents(fq, IncidentFilter{SourceIDs: spec.SourceIDs, Tags: spec.Tags}, nowArg)
		q.args = fq.args
		alternatives = append(alternatives, "("+strings.Join(fq.conds, " AND ")+")")
	}
	if len(alternatives) == 0 {
		return []argus.Incident{}, nil
	}
	sqlText := fmt.Sprintf(incidentSelect, nowArg) + " WHERE " + strings.Join(alternatives, " OR ") +
		" ORDER BY i.start_time DESC, i.id DESC"
	list, err := collect(ctx, s.db, "list matching incidents", func(rows *sql.Rows, inc *argus.Incident) error {
		return scanIncident(rows, inc)
	}, sqlText, q.args...)
	if err != nil {
		return nil, err
	}
	return list, s.loadTags(ctx, s.db, list)
}
