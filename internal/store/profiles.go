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

// ProfileInput is what API v1 names when it creates or replaces a
// profile: the caller's own timeslot, filters and phone number, by pk, and
// its media (D29).
type ProfileInput struct {
	TimeslotID    int64
	FilterIDs     []int64
	Media         []argus.Medium
	PhoneNumberID *int64
	Active        bool
}

// Profiles returns the user's profiles as API v1 sees them: those alone on
// their timeslot, whose pk is the timeslot's (D15, D29), expanded with
// their timeslot, filters, destinations and phone number, in five queries
// however many there are.
func (s *Store) Profiles(ctx context.Context, userID int64) ([]argus.Profile, error) {
	return s.profiles(ctx, s.db, userID, 0)
}

// Profile returns one of the user's profiles as API v1 addresses it: by
// its timeslot's pk, when it is alone there (D15). Another user's is not
// found.
func (s *Store) Profile(ctx context.Context, userID, timeslotID int64) (argus.Profile, error) {
	return s.profile(ctx, s.db, userID, timeslotID)
}

func (s *Store) profile(ctx context.Context, q queryer, userID, timeslotID int64) (argus.Profile, error) {
	if timeslotID < 1 {
		// No row has it, and 0 would mean "all" to profiles.
		return argus.Profile{}, fmt.Errorf("store: profile %d: %w", timeslotID, argus.NotFound("NotificationProfile", timeslotID))
	}
	list, err := s.profiles(ctx, q, userID, timeslotID)
	if err != nil {
		return argus.Profile{}, err
	}
	if len(list) == 0 {
		return argus.Profile{}, fmt.Errorf("store: profile %d: %w", timeslotID, argus.NotFound("NotificationProfile", timeslotID))
	}
	return list[0], nil
}

// aloneOnTimeslot keeps the profiles p that API v1 can address.
const aloneOnTimeslot = ` AND NOT EXISTS (SELECT 1 FROM argus_notificationprofile_notificationprofile o
	WHERE o.timeslot_id = p.timeslot_id AND o.id <> p.id)`

// profiles reads the user's v1 profiles, or only the one on timeslotID.
func (s *Store) profiles(ctx context.Context, q queryer, userID, timeslotID int64) ([]argus.Profile, error) {
	list, err := collect(ctx, q, "list profiles", func(rows *sql.Rows, p *argus.Profile) error {
		var (
			media   string
			phoneID *int64
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &p.Timeslot.ID, &media, &p.Active, &phoneID); err != nil {
			return err
		}
		p.Media = splitMedia(media)
		if phoneID != nil {
			p.PhoneNumber = &argus.PhoneNumber{ID: *phoneID, UserID: p.UserID}
		}
		return nil
	}, `SELECT p.id, p.user_id, p.name, p.timeslot_id, p.media, p.active, p.phone_number_id
		FROM argus_notificationprofile_notificationprofile p
		WHERE p.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR p.timeslot_id = $2)`+aloneOnTimeslot+` ORDER BY p.timeslot_id`,
		userID, timeslotID)
	if err != nil || len(list) == 0 {
		return list, err
	}
	return list, s.expandProfiles(ctx, q, userID, timeslotID, list)
}

// expandProfiles fills in the profiles' timeslots, filters, destinations
// and v1 phone numbers; timeslotID, when not 0, is the one timeslot of
// them all.
func (s *Store) expandProfiles(ctx context.Context, q queryer, userID, timeslotID int64, list []argus.Profile) error {
	slots, err := s.timeslots(ctx, q, userID, timeslotID)
	if err != nil {
		return err
	}
	// A profile's filters are the user's own or public ones (v2).
	type filterOf struct {
		profile int64
		filter  argus.Filter
	}
	links, err := collect(ctx, q, "list profile filters", func(rows *sql.Rows, l *filterOf) error {
		return scanFilter(rows, &l.filter, &l.profile)
	}, `SELECT `+filterColumns+`, pf.notificationprofile_id
		FROM argus_notificationprofile_notificationprofile_filters pf
		JOIN argus_notificationprofile_notificationprofile p ON p.id = pf.notificationprofile_id
		JOIN argus_notificationprofile_filter f ON f.id = pf.filter_id
		WHERE p.user_id = $1 ORDER BY f.id`, userID)
	if err != nil {
		return err
	}
	if err := s.profileDestinations(ctx, q, list); err != nil {
		return err
	}
	slotByID := make(map[int64]argus.Timeslot, len(slots))
	for _, ts := range slots {
		slotByID[ts.ID] = ts
	}
	var phones map[int64]argus.PhoneNumber
	profileByID := make(map[int64]*argus.Profile, len(list))
	for i := range list {
		p := &list[i]
		p.Timeslot = slotByID[p.Timeslot.ID]
		p.Filters = []argus.Filter{}
		profileByID[p.ID] = p
		if p.PhoneNumber != nil && phones == nil {
			all, err := s.PhoneNumbers(ctx, userID)
			if err != nil {
				return err
			}
			phones = make(map[int64]argus.PhoneNumber, len(all))
			for _, ph := range all {
				phones[ph.ID] = ph
			}
		}
		if p.PhoneNumber != nil {
			ph := phones[p.PhoneNumber.ID]
			p.PhoneNumber = &ph
		}
	}
	for _, l := range links {
		if p, ok := profileByID[l.profile]; ok {
			p.Filters = append(p.Filters, l.filter)
		}
	}
	return nil
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
	err := s.unknownReferences(ctx, q, userID, &errs, []reference{
		{"timeslot", "argus_notificationprofile_timeslot", "user_id = $2", []int64{in.TimeslotID}},
		{"filters", "argus_notificationprofile_filter", "user_id = $2", in.FilterIDs},
		{"phone_number", "argus_notificationprofile_destinationconfig", "user_id = $2 AND media_id = 'sms'", optionalID(in.PhoneNumberID)},
	})
	if err != nil {
		return err
	}
	return errs.Err()
}

// reference is what one field of a profile names: ids of table's rows
// for which cond ($2 is the user's id) must hold.
type reference struct {
	field, table, cond string
	ids                []int64
}

// unknownReferences adds to errs a CodeUnknownReference for the first id
// of each reference that names no such row, in one query per reference.
func (s *Store) unknownReferences(ctx context.Context, q queryer, userID int64, errs *argus.Errors, refs []reference) error {
	for _, ref := range refs {
		id, missing, err := s.firstMissing(ctx, q, ref.table, ref.cond, userID, ref.ids)
		if err != nil {
			return err
		}
		if missing {
			errs.Add(argus.Invalid(ref.field, argus.CodeUnknownReference, id))
		}
	}
	return nil
}

// optionalID is id as a list of none or one.
func optionalID(id *int64) []int64 {
	if id == nil {
		return nil
	}
	return []int64{*id}
}

// firstMissing is the first of ids, in their order, that no row of table
// has with cond true ($2 is userID), in one query for all of them.
func (s *Store) firstMissing(ctx context.Context, q queryer, table, cond string, userID int64, ids []int64) (int64, bool, error) {
	if len(ids) == 0 {
		return 0, false, nil
	}
	found, err := collect(ctx, q, "look up "+table, func(rows *sql.Rows, id *int64) error {
		return rows.Scan(id)
	}, `SELECT id FROM `+table+` WHERE id `+s.dialect.inIDs("$1")+` AND `+cond, s.dialect.ids(ids), userID)
	if err != nil {
		return 0, false, err
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			return id, true, nil
		}
	}
	return 0, false, nil
}

// profileTaken is the refusal of a second profile on a timeslot through
// API v1 (D15).
func profileTaken(timeslotID int64) error {
	return argus.Conflict("NotificationProfile", "timeslot", argus.CodeProfileTaken, timeslotID)
}

// timeslotTaken reports whether a profile other than except is on the
// timeslot.
func (s *Store) timeslotTaken(ctx context.Context, tx *sql.Tx, timeslotID, except int64) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_notificationprofile_notificationprofile
		WHERE timeslot_id = $1 AND id <> $2`, timeslotID, except).Scan(&n); err != nil {
		return false, fmt.Errorf("store: look up profiles of timeslot %d: %w", timeslotID, err)
	}
	return n > 0, nil
}

// CreateProfile stores a profile of the user through API v1, on
// in.TimeslotID, which v1 addresses it by (D15): a timeslot that has a
// profile already is refused. "EM" sends to the managed email
// destination, "SM" to the phone number (D29).
func (s *Store) CreateProfile(ctx context.Context, userID int64, in ProfileInput) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		if err := s.checkReferences(ctx, tx, userID, in); err != nil {
			return err
		}
		if taken, err := s.timeslotTaken(ctx, tx, in.TimeslotID, 0); err != nil {
			return err
		} else if taken {
			return profileTaken(in.TimeslotID)
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile
			(timeslot_id, user_id, media, active, phone_number_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			in.TimeslotID, userID, joinMedia(in.Media), in.Active, in.PhoneNumberID).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: create profile: %w", err)
		}
		if err := s.setV1Links(ctx, tx, userID, id, in); err != nil {
			return err
		}
		p, err = s.profile(ctx, tx, userID, in.TimeslotID)
		return err
	})
	return p, err
}

// setV1Links makes the profile's filters and destinations what API v1
// set: the filters, and for its media the managed email destination and
// the phone number.
func (s *Store) setV1Links(ctx context.Context, tx *sql.Tx, userID, profileID int64, in ProfileInput) error {
	if err := s.setProfileFilters(ctx, tx, profileID, in.FilterIDs); err != nil {
		return err
	}
	dests := []int64{}
	if slices.Contains(in.Media, argus.MediumEmail) {
		managed, err := s.managedEmail(ctx, tx, userID)
		if err != nil {
			return err
		}
		if managed != 0 {
			dests = append(dests, managed)
		}
	}
	if slices.Contains(in.Media, argus.MediumSMS) && in.PhoneNumberID != nil {
		dests = append(dests, *in.PhoneNumberID)
	}
	return s.setProfileDestinations(ctx, tx, profileID, dests)
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

// UpdateProfile replaces one of the user's profiles through API v1,
// addressed by its timeslot's pk. A different in.TimeslotID moves it:
// its v1 pk becomes the new timeslot's and the old pk is gone (D15); a
// timeslot that already has a profile is refused with 400.
func (s *Store) UpdateProfile(ctx context.Context, userID, timeslotID int64, in ProfileInput) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		cur, err := s.profile(ctx, tx, userID, timeslotID)
		if err != nil {
			return err
		}
		if err := s.checkReferences(ctx, tx, userID, in); err != nil {
			return err
		}
		if taken, err := s.timeslotTaken(ctx, tx, in.TimeslotID, cur.ID); err != nil {
			return err
		} else if taken {
			return profileTaken(in.TimeslotID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_notificationprofile
			SET timeslot_id = $2, media = $3, active = $4, phone_number_id = $5 WHERE id = $1`,
			cur.ID, in.TimeslotID, joinMedia(in.Media), in.Active, in.PhoneNumberID); err != nil {
			return fmt.Errorf("store: update profile %d: %w", cur.ID, err)
		}
		if err := s.setV1Links(ctx, tx, userID, cur.ID, in); err != nil {
			return err
		}
		p, err = s.profile(ctx, tx, userID, in.TimeslotID)
		return err
	})
	return p, err
}

// DeleteProfile deletes one of the user's profiles through API v1,
// addressed by its timeslot's pk.
func (s *Store) DeleteProfile(ctx context.Context, userID, timeslotID int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_notificationprofile AS p
		WHERE p.timeslot_id = $1 AND p.user_id = $2`+aloneOnTimeslot, timeslotID, userID)
	if err != nil {
		return fmt.Errorf("store: delete profile %d: %w", timeslotID, err)
	}
	return mustAffect(res, "NotificationProfile", timeslotID)
}

// filtersPerQuery bounds the filters matched in one statement: each has at
// most about 1,200 parameters (the API bounds its lists), so a statement
// stays far below SQLite's 32,766.
const filtersPerQuery = 8

// MatchingIncidents lists the incidents that fit any of the blobs by the
// one matcher's listing rules (D8, D28), newest first, all of them: what
// a profile's filters or a preview select. The conditions are in SQL
// (IncidentFilter.BlobSets); many blobs take one statement per eight.
func (s *Store) MatchingIncidents(ctx context.Context, blobs []argus.FilterBlob, now time.Time) ([]argus.Incident, error) {
	if len(blobs) <= filtersPerQuery {
		list, _, err := s.Incidents(ctx, IncidentFilter{BlobSets: [][]argus.FilterBlob{blobs}}, nil, 0, now)
		return list, err
	}
	seen := map[int64]bool{}
	all := []argus.Incident{}
	for chunk := range slices.Chunk(blobs, filtersPerQuery) {
		list, _, err := s.Incidents(ctx, IncidentFilter{BlobSets: [][]argus.FilterBlob{chunk}}, nil, 0, now)
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
	return all, nil
}
