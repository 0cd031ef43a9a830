package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// Fixture is one entry of Django fixture JSON (D23):
// {"model": "argus_incident.incident", "pk": 1, "fields": {…}}. Our
// tables are the original's, so a model is a table and its fields are
// columns, with the few conversions of LoadFixture.
type Fixture struct {
	Model  string                     `json:"model"`
	PK     json.RawMessage            `json:"pk"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// LoadReport says what LoadFixture did besides loading.
type LoadReport struct {
	// Loaded counts the entries loaded, by model.
	Loaded map[string]int
	// Skipped counts the entries of models we do not know (sessions,
	// the admin log, permissions, …), by model; nothing of them is
	// written.
	Skipped map[string]int
	// Ignored names the fields of known models that we have no column
	// for ("argus_auth.user.groups"), sorted.
	Ignored []string
	// Replaced names the users whose pk the fixture gave another user
	// ("1 admin (now nav.a1)"), by pk: Django's loaddata overwrites by
	// pk, and so does ours.
	Replaced []string
}

// FixtureError is a fixture entry LoadFixture refuses.
type FixtureError struct {
	Index int // of the entry in its file, from 0
	Model string
	PK    string
	Err   error
}

func (e *FixtureError) Error() string {
	return fmt.Sprintf("entry %d (%s, pk %s): %v", e.Index, e.Model, e.PK, e.Err)
}

func (e *FixtureError) Unwrap() error { return e.Err }

// fxKind is how a fixture column is sent to the database.
type fxKind uint8

const (
	fxInt fxKind = iota
	fxText
	fxBool
	fxTime  // timestamptz on PostgreSQL, fixed-width text on SQLite
	fxClock // a time of day
)

type fxCol struct {
	name string
	kind fxKind
}

// fxTable is a table fixtures fill. Rows are upserted by the first keys
// columns (Django's loaddata overwrites by pk); a table with replace set
// is a many-to-many link table whose rows for the loaded profiles are
// replaced.
type fxTable struct {
	name    string
	keys    int
	cols    []fxCol
	replace bool
}

// The tables in the order they are written: every table after the ones
// it refers to.
var (
	fxUser = &fxTable{name: "argus_auth_user", keys: 1, cols: []fxCol{{"id", fxInt}, {"password", fxText},
		{"last_login", fxTime}, {"is_superuser", fxBool}, {"username", fxText}, {"first_name", fxText},
		{"last_name", fxText}, {"email", fxText}, {"is_staff", fxBool}, {"is_active", fxBool}, {"date_joined", fxTime}}}
	fxToken = &fxTable{name: "argus_auth_token", keys: 1, cols: []fxCol{{"key_hash", fxText}, {"user_id", fxInt},
		{"created", fxTime}}}
	fxKnox = &fxTable{name: "argus_auth_knoxtoken", keys: 1, cols: []fxCol{{"digest", fxText}, {"token_key", fxText},
		{"user_id", fxInt}, {"created", fxTime}, {"expiry", fxTime}}}
	fxSourceType = &fxTable{name: "argus_incident_sourcesystemtype", keys: 1, cols: []fxCol{{"name", fxText}}}
	fxSource     = &fxTable{name: "argus_incident_sourcesystem", keys: 1, cols: []fxCol{{"id", fxInt}, {"name", fxText},
		{"type_id", fxText}, {"user_id", fxInt}, {"base_url", fxText}, {"last_seen", fxTime}}}
	fxIncident = &fxTable{name: "argus_incident_incident", keys: 1, cols: []fxCol{{"id", fxInt}, {"start_time", fxTime},
		{"end_time", fxTime}, {"source_id", fxInt}, {"source_incident_id", fxText}, {"details_url", fxText},
		{"description", fxText}, {"ticket_url", fxText}, {"level", fxInt}, {"metadata", fxText}}}
	fxTag      = &fxTable{name: "argus_incident_tag", keys: 1, cols: []fxCol{{"id", fxInt}, {"key", fxText}, {"value", fxText}}}
	fxRelation = &fxTable{name: "argus_incident_incidenttagrelation", keys: 1, cols: []fxCol{{"id", fxInt},
		{"tag_id", fxInt}, {"incident_id", fxInt}, {"added_by_id", fxInt}, {"tag_key", fxText}, {"tag_value", fxText},
		{"added_time", fxTime}}}
	fxEvent = &fxTable{name: "argus_incident_event", keys: 1, cols: []fxCol{{"id", fxInt}, {"incident_id", fxInt},
		{"actor_id", fxInt}, {"timestamp", fxTime}, {"received", fxTime}, {"type", fxText}, {"description", fxText}}}
	fxAck      = &fxTable{name: "argus_incident_acknowledgement", keys: 1, cols: []fxCol{{"event_id", fxInt}, {"expiration", fxTime}}}
	fxTimeslot = &fxTable{name: "argus_notificationprofile_timeslot", keys: 1, cols: []fxCol{{"id", fxInt},
		{"user_id", fxInt}, {"name", fxText}}}
	fxRecurrence = &fxTable{name: "argus_notificationprofile_timerecurrence", keys: 1, cols: []fxCol{{"id", fxInt},
		{"timeslot_id", fxInt}, {"days", fxText}, {"start", fxClock}, {"end", fxClock}}}
	fxFilter = &fxTable{name: "argus_notificationprofile_filter", keys: 1, cols: []fxCol{{"id", fxInt}, {"user_id", fxInt},
		{"name", fxText}, {"filter", fxText}, {"public", fxBool}}}
	fxMedia = &fxTable{name: "argus_notificationprofile_media", keys: 1, cols: []fxCol{{"slug", fxText}, {"name", fxText},
		{"installed", fxBool}}}
	fxDestination = &fxTable{name: "argus_notificationprofile_destinationconfig", keys: 1, cols: []fxCol{{"id", fxInt},
		{"user_id", fxInt}, {"media_id", fxText}, {"label", fxText}, {"settings", fxText}, {"managed", fxBool}}}
	fxProfile = &fxTable{name: "argus_notificationprofile_notificationprofile", keys: 1, cols: []fxCol{{"id", fxInt},
		{"user_id", fxInt}, {"timeslot_id", fxInt}, {"name", fxText}, {"active", fxBool}, {"media", fxText},
		{"phone_number_id", fxInt}}}
	fxProfileFilter = &fxTable{name: "argus_notificationprofile_notificationprofile_filters", keys: 2, replace: true,
		cols: []fxCol{{"notificationprofile_id", fxInt}, {"filter_id", fxInt}}}
	fxProfileDestination = &fxTable{name: "argus_notificationprofile_notificationprofile_destinations", keys: 2, replace: true,
		cols: []fxCol{{"notificationprofile_id", fxInt}, {"destinationconfig_id", fxInt}}}
	fxKept = &fxTable{name: "argus_fixture_kept", keys: 2, cols: []fxCol{{"model", fxText}, {"pk", fxText}, {"fields", fxText}}}

	fxTables = []*fxTable{fxUser, fxToken, fxKnox, fxSourceType, fxSource, fxIncident, fxTag, fxRelation, fxEvent,
		fxAck, fxTimeslot, fxRecurrence, fxFilter, fxMedia, fxDestination, fxProfile, fxProfileFilter,
		fxProfileDestination, fxKept}
)

// keptModels are the models of the original we keep as they come
// (argus_fixture_kept): no feature of ours reads them yet.
var keptModels = map[string]bool{
	"argus_plannedmaintenance.plannedmaintenancetask": true,
	"argus_incident.incidentrelationtype":             true,
	"argus_incident.incidentrelation":                 true,
	"argus_auth.preferences":                          true,
}

// legacyTokenPrefix marks a dumped API token of which we hold only the
// digest: "sha256$<hex>" where Django has the key itself.
const legacyTokenPrefix = "sha256$"

// fxLoad gathers the rows of a fixture before they are written.
type fxLoad struct {
	d    dialect
	rows map[*fxTable][][]any
	// at is where a key's row is in rows: a later entry with the same
	// pk replaces an earlier one, as Django's loaddata saves over it.
	at       map[*fxTable]map[string]int
	report   LoadReport
	ignored  map[string]bool
	tags     map[int64][2]string // loaded tags: key and value
	emails   map[int64]string    // loaded users' emails
	profiles []int64             // loaded profiles, whose links are replaced
	toEmail  []int64             // loaded v1 profiles with "EM"
	// relEntry is the entry of each tag relation row (by its place in
	// rows), for resolveTags to name.
	relEntry map[int]int
	// hashKey digests a legacy API token (auth.HashKey; passed in so
	// that the store does not import auth).
	hashKey func(string) string
}

// LoadFixture writes the entries in one transaction: all or none. Rows
// are upserted by pk; what the original keeps in other shapes becomes
// ours — a v1 phone number an sms destination with its pk, a v1 profile
// (pk = its timeslot's) a profile of that id sending to the destinations
// its media name, a filter_string a filter blob, an API token its digest
// (hashKey, D30) — and every loaded user's managed email destination
// follows their email. Nothing is sent: events loaded are history, not
// news. On PostgreSQL the id sequences move past the loaded pks.
// progress, when not nil, is told how many rows are written of how many.
func (s *Store) LoadFixture(ctx context.Context, entries iter.Seq2[Fixture, error], hashKey func(string) string, progress func(done, total int)) (LoadReport, error) {
	l := &fxLoad{d: s.dialect, rows: map[*fxTable][][]any{}, at: map[*fxTable]map[string]int{},
		report:  LoadReport{Loaded: map[string]int{}, Skipped: map[string]int{}},
		ignored: map[string]bool{}, tags: map[int64][2]string{}, emails: map[int64]string{}, relEntry: map[int]int{},
		hashKey: hashKey}
	// Every entry is read and checked before anything is written; what
	// is kept of them is their rows, not their JSON.
	i := 0
	for e, err := range entries {
		if err != nil {
			return l.report, err
		}
		if err := l.add(i, e); err != nil {
			return l.report, &FixtureError{Index: i, Model: e.Model, PK: string(e.PK), Err: err}
		}
		i++
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := l.resolveTags(ctx, tx); err != nil {
			return err
		}
		if err := l.replacedUsers(ctx, tx); err != nil {
			return err
		}
		total := 0
		for _, t := range fxTables {
			total += len(l.rows[t])
		}
		done := 0
		for _, t := range fxTables {
			if err := s.writeFixtureTable(ctx, tx, t, l.rows[t], l.profiles, func(n int) {
				done += n
				if progress != nil {
					progress(done, total)
				}
			}); err != nil {
				return err
			}
		}
		if err := s.moveSequences(ctx, tx); err != nil {
			return err
		}
		users := make([]int64, 0, len(l.emails))
		for id := range l.emails {
			users = append(users, id)
		}
		slices.Sort(users)
		for _, id := range users {
			if err := s.loadedEmail(ctx, tx, id, l.emails[id]); err != nil {
				return err
			}
		}
		if len(l.toEmail) > 0 {
			// v1's "EM": the managed email destination (D29).
			if _, err := tx.ExecContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile_destinations
				(notificationprofile_id, destinationconfig_id)
				SELECT p.id, d.id FROM argus_notificationprofile_notificationprofile p
				JOIN argus_notificationprofile_destinationconfig d ON d.user_id = p.user_id AND d.media_id = 'email' AND d.managed
				WHERE p.id `+s.dialect.inIDs("$1")+`
				ON CONFLICT (notificationprofile_id, destinationconfig_id) DO NOTHING`, s.dialect.ids(l.toEmail)); err != nil {
				return fmt.Errorf("store: load v1 profiles' email: %w", err)
			}
		}
		return nil
	})
	for f := range l.ignored {
		l.report.Ignored = append(l.report.Ignored, f)
	}
	sort.Strings(l.report.Ignored)
	return l.report, err
}

// loadedEmail gives a loaded user the managed email destination of their
// address unless they have it (an Argus 2.x export does: its synced
// destination), as changing the email through the API would.
func (s *Store) loadedEmail(ctx context.Context, tx *sql.Tx, userID int64, email string) error {
	address := `json_extract(settings, '$.email_address')`
	if s.dialect == postgresDialect {
		address = `(settings::json ->> 'email_address')`
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_notificationprofile_destinationconfig
		WHERE user_id = $1 AND media_id = 'email' AND managed AND `+address+` = $2`, userID, email).Scan(&n); err != nil {
		return fmt.Errorf("store: email destination of user %d: %w", userID, err)
	}
	if n > 0 && email != "" {
		return nil
	}
	return s.syncManagedEmail(ctx, tx, userID, email)
}

// put adds a row to t, replacing an earlier one with the same key.
func (l *fxLoad) put(t *fxTable, row []any) {
	// The key columns joined by NUL, which no key holds: fmt.Sprint of
	// two strings would run them together ("model" "1" = "model1" "").
	key := fmt.Sprint(row[0])
	for _, v := range row[1:t.keys] {
		key += "\x00" + fmt.Sprint(v)
	}
	at := l.at[t]
	if at == nil {
		at = map[string]int{}
		l.at[t] = at
	}
	if i, ok := at[key]; ok {
		l.rows[t][i] = row
		return
	}
	at[key] = len(l.rows[t])
	l.rows[t] = append(l.rows[t], row)
}

// add turns entry i into rows.
func (l *fxLoad) add(i int, e Fixture) error {
	if e.Model == "" {
		return fmt.Errorf("no model")
	}
	if keptModels[e.Model] {
		fields, err := json.Marshal(e.Fields)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(e.PK)) == 0 {
			return fmt.Errorf("no pk")
		}
		l.put(fxKept, []any{e.Model, string(bytes.TrimSpace(e.PK)), string(fields)})
		l.report.Loaded[e.Model]++
		return nil
	}
	f := fxFields{d: l.d, m: e.Fields}
	var err error
	switch e.Model {
	case "argus_auth.user":
		err = l.user(e, &f)
	case "authtoken.token":
		err = l.token(e, &f)
	case "knox.authtoken":
		f.use("salt") // knox before 4.0 kept one; its digests work without it
		l.put(fxKnox, []any{f.pkText(e.PK), f.text("token_key", ""), f.int("user"), f.time("created", true), f.time("expiry", false)})
	case "argus_incident.sourcesystemtype":
		l.put(fxSourceType, []any{f.pkText(e.PK)})
	case "argus_incident.sourcesystem":
		l.put(fxSource, []any{f.pk(e.PK), f.text("name", nil), f.text("type", nil), f.int("user"),
			f.text("base_url", ""), f.time("last_seen", false)})
	case "argus_incident.incident":
		err = l.incident(e, &f)
	case "argus_incident.tag":
		id, key, value := f.pk(e.PK), f.text("key", nil), f.text("value", "")
		if f.err == nil {
			if _, err := argus.ParseTag(key.(string) + "="); err != nil {
				f.fail("key", "%q is not a tag key (lowercase letters, digits and _)", key)
			}
			l.tags[id] = [2]string{key.(string), value.(string)}
		}
		l.put(fxTag, []any{id, key, value})
	case "argus_incident.incidenttagrelation":
		// The tag's key and value come in resolveTags.
		row := []any{f.pk(e.PK), f.int("tag"), f.int("incident"), f.int("added_by"), nil, nil, f.time("added_time", true)}
		if f.err == nil {
			l.put(fxRelation, row)
			l.relEntry[l.at[fxRelation][fmt.Sprint(row[0])]] = i
		}
	case "argus_incident.event":
		typ := f.text("type", nil)
		if s, ok := typ.(string); ok && !argus.EventType(s).Valid() {
			f.fail("type", "%q is not an event type", s)
		}
		received := f.time("received", false)
		if received == nil {
			received = f.time("timestamp", true)
		}
		l.put(fxEvent, []any{f.pk(e.PK), f.int("incident"), f.int("actor"), f.time("timestamp", true), received,
			typ, f.text("description", "")})
	case "argus_incident.acknowledgement":
		pk := e.PK
		if len(bytes.TrimSpace(pk)) == 0 || string(bytes.TrimSpace(pk)) == "null" {
			pk = f.m["event"] // a fixture may name the event as a field
		}
		f.use("event")
		l.put(fxAck, []any{f.pk(pk), f.time("expiration", false)})
	case "argus_notificationprofile.timeslot":
		l.put(fxTimeslot, []any{f.pk(e.PK), f.int("user"), f.text("name", nil)})
	case "argus_notificationprofile.timerecurrence":
		l.put(fxRecurrence, []any{f.pk(e.PK), f.int("timeslot"), f.days("days"), f.clock("start"), f.clock("end")})
	case "argus_notificationprofile.filter":
		l.put(fxFilter, []any{f.pk(e.PK), f.int("user"), f.text("name", nil), f.filter(), f.bool("public", false)})
	case "argus_notificationprofile.media":
		l.put(fxMedia, []any{f.pkText(e.PK), f.text("name", nil), f.bool("installed", true)})
	case "argus_notificationprofile.destinationconfig":
		err = l.destination(e, &f)
	case "argus_auth.phonenumber":
		// API v1's phone number: an sms destination with its pk (D27).
		number := f.text("phone_number", nil)
		var settings any
		if s, ok := number.(string); ok {
			settings = settingsOf(argus.MediumSMS, s)
		}
		l.put(fxDestination, []any{f.pk(e.PK), f.int("user"), "sms", nil, settings, false})
	case "argus_notificationprofile.notificationprofile":
		err = l.profile(e, &f)
	default:
		l.report.Skipped[e.Model]++
		return nil
	}
	if err == nil {
		err = f.err
	}
	if err != nil {
		return err
	}
	for name := range e.Fields {
		if !f.used(name) {
			l.ignored[e.Model+"."+name] = true
		}
	}
	l.report.Loaded[e.Model]++
	return nil
}

func (l *fxLoad) user(e Fixture, f *fxFields) error {
	f.use("groups")
	f.use("user_permissions")
	id := f.pk(e.PK)
	email := f.text("email", "")
	username := f.text("username", nil)
	if s, ok := username.(string); ok && s == "" {
		f.fail("username", "must not be empty")
	}
	dateJoined := f.time("date_joined", false)
	if dateJoined == nil {
		dateJoined = l.d.t(time.Now())
	}
	l.put(fxUser, []any{id, f.text("password", ""), f.time("last_login", false), f.bool("is_superuser", false),
		username, f.text("first_name", ""), f.text("last_name", ""), email, f.bool("is_staff", false),
		f.bool("is_active", true), dateJoined})
	if f.err == nil {
		l.emails[id] = email.(string)
	}
	return nil
}

// token is DRF's token, whose pk is the key: kept as its digest (D30).
// Our dumps write the digest itself, as "sha256$<hex>".
func (l *fxLoad) token(e Fixture, f *fxFields) error {
	key, ok := f.pkText(e.PK).(string)
	if !ok {
		return nil
	}
	var hash string
	if h, found := strings.CutPrefix(key, legacyTokenPrefix); found {
		hash = h
	} else {
		hash = l.hashKey(key)
	}
	l.put(fxToken, []any{hash, f.int("user"), f.time("created", true)})
	return nil
}

func (l *fxLoad) incident(e Fixture, f *fxFields) error {
	f.use("search_text")
	level := int64(argus.MaxLevel) // Argus 1.x's default; v1 had no level
	if _, ok := f.m["level"]; ok {
		level = f.int("level").(int64)
		if level < argus.MinLevel || level > argus.MaxLevel {
			f.fail("level", "%d is not a level (1–5)", level)
		}
	}
	metadata := "{}"
	if raw, ok := f.m["metadata"]; ok {
		f.use("metadata")
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && string(raw) != "null" {
			if raw[0] != '{' || !json.Valid(raw) {
				f.fail("metadata", "not a JSON object")
			}
			metadata = compactJSON(raw)
		}
	}
	sid := f.m["source_incident_id"]
	f.use("source_incident_id")
	var sourceIncidentID any
	if err := json.Unmarshal(sid, new(string)); err == nil {
		sourceIncidentID = f.text("source_incident_id", "")
	} else if n, err := strconv.ParseInt(string(bytes.TrimSpace(sid)), 10, 64); err == nil {
		sourceIncidentID = strconv.FormatInt(n, 10) // a number is the string of it, as the API takes it
	} else if len(sid) == 0 {
		sourceIncidentID = ""
	} else {
		f.fail("source_incident_id", "not a string")
	}
	l.put(fxIncident, []any{f.pk(e.PK), f.time("start_time", true), f.end("end_time"), f.int("source"),
		sourceIncidentID, f.text("details_url", ""), f.text("description", ""), f.text("ticket_url", ""),
		level, metadata})
	return nil
}

// destination is an Argus 2.x DestinationConfig. Argus has no managed
// flag: the email destination with the account's address is the managed
// one, unless the entry says (our dumps do).
func (l *fxLoad) destination(e Fixture, f *fxFields) error {
	id, user, media := f.pk(e.PK), f.int("user"), f.text("media", nil)
	raw := bytes.TrimSpace(f.m["settings"])
	f.use("settings")
	var settings map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&settings); err != nil || settings == nil {
		f.fail("settings", "not a JSON object")
	}
	var managed any
	if _, ok := f.m["managed"]; ok {
		managed = f.bool("managed", false)
	}
	if f.err != nil {
		return nil
	}
	if managed == nil {
		addr, _ := settings[argus.MediumEmail.SettingKey()].(string)
		email, ok := l.emails[user.(int64)]
		managed = media == argus.MediumEmail.Slug() && ok && email != "" && addr == email
	}
	// Settings in our one form: keys sorted, no spaces (destinations.go).
	canonical, err := marshalNoEscape(settings)
	if err != nil {
		return err
	}
	l.put(fxDestination, []any{id, user, media, f.ntext("label"), string(canonical), managed})
	return nil
}

// profile is a notification profile of either era: in v1 its pk is its
// timeslot's and it names media ("EM,SM") and a phone number; in 2.x it
// has its own id, a timeslot, a name and destinations.
func (l *fxLoad) profile(e Fixture, f *fxFields) error {
	id := f.pk(e.PK)
	timeslot := any(id)
	if _, ok := f.m["timeslot"]; ok {
		timeslot = f.int("timeslot")
	}
	media := ""
	if raw, ok := f.m["media"]; ok {
		f.use("media")
		codes, ok := stringList(raw)
		if !ok {
			f.fail("media", "not a list of media codes")
		}
		for _, c := range codes {
			if c != "EM" && c != "SM" {
				f.fail("media", "%q is not a medium (EM or SM)", c)
			}
		}
		media = strings.Join(codes, ",")
	}
	phone := f.nint("phone_number")
	filters := f.ints("filters")
	destinations := f.ints("destinations")
	if _, ok := f.m["destinations"]; !ok && phone != nil && strings.Contains(media, "SM") {
		// v1: "SM" sends to the phone number; "EM" to the managed email
		// destination, which the load links once every user is in.
		destinations = []int64{phone.(int64)}
	}
	v1EM := false
	if _, ok := f.m["destinations"]; !ok && strings.Contains(media, "EM") {
		v1EM = true
	}
	if f.err != nil {
		return nil
	}
	l.put(fxProfile, []any{id, f.int("user"), timeslot, f.ntext("name"), f.bool("active", true), media, phone})
	pid := id
	l.profiles = append(l.profiles, pid)
	if v1EM {
		l.toEmail = append(l.toEmail, pid)
	}
	for _, fid := range filters {
		l.put(fxProfileFilter, []any{pid, fid})
	}
	for _, did := range destinations {
		l.put(fxProfileDestination, []any{pid, did})
	}
	return nil
}

// replacedUsers fills in report.Replaced.
func (l *fxLoad) replacedUsers(ctx context.Context, tx *sql.Tx) error {
	rows := l.rows[fxUser]
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r[0].(int64)
	}
	old, err := collect(ctx, tx, "users a fixture replaces", func(rows *sql.Rows, u *struct {
		id   int64
		name string
	}) error {
		return rows.Scan(&u.id, &u.name)
	}, `SELECT id, username FROM argus_auth_user WHERE id `+l.d.inIDs("$1")+` ORDER BY id`, l.d.ids(ids))
	if err != nil {
		return err
	}
	for _, u := range old {
		r := rows[l.at[fxUser][fmt.Sprint(u.id)]]
		if name := r[4].(string); name != u.name {
			l.report.Replaced = append(l.report.Replaced, fmt.Sprintf("%d %s (now %s)", u.id, u.name, name))
		}
	}
	return nil
}

// resolveTags gives the tag relations their tag's key and value (copied
// into the relation, 00001), from the fixture or else the database.
func (l *fxLoad) resolveTags(ctx context.Context, tx *sql.Tx) error {
	rows := l.rows[fxRelation]
	var missing []int64
	for _, r := range rows {
		if _, ok := l.tags[r[1].(int64)]; !ok {
			missing = append(missing, r[1].(int64))
		}
	}
	if len(missing) > 0 {
		found, err := collect(ctx, tx, "tags of a fixture", func(rows *sql.Rows, t *struct {
			id         int64
			key, value string
		}) error {
			return rows.Scan(&t.id, &t.key, &t.value)
		}, `SELECT id, key, value FROM argus_incident_tag WHERE id `+l.d.inIDs("$1"), l.d.ids(missing))
		if err != nil {
			return err
		}
		for _, t := range found {
			l.tags[t.id] = [2]string{t.key, t.value}
		}
	}
	for at, r := range rows {
		tag, ok := l.tags[r[1].(int64)]
		if !ok {
			return &FixtureError{Index: l.relEntry[at], Model: "argus_incident.incidenttagrelation",
				PK: fmt.Sprint(r[0]), Err: fmt.Errorf("tag %d does not exist", r[1])}
		}
		r[4], r[5] = tag[0], tag[1]
	}
	return nil
}

// fxBatch is how many rows one statement writes: one parameter, a JSON
// array of rows, whatever their number.
const fxBatch = 2000

// writeFixtureTable upserts rows into t, fxBatch at a time.
func (s *Store) writeFixtureTable(ctx context.Context, tx *sql.Tx, t *fxTable, rows [][]any, profiles []int64, progress func(int)) error {
	if t.replace && len(profiles) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.name+` WHERE notificationprofile_id `+s.dialect.inIDs("$1"),
			s.dialect.ids(profiles)); err != nil {
			return fmt.Errorf("store: load %s: %w", t.name, err)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	query := s.dialect.upsertJSON(t)
	for start := 0; start < len(rows); start += fxBatch {
		batch := rows[start:min(start+fxBatch, len(rows))]
		data, err := json.Marshal(batch)
		if err != nil {
			return fmt.Errorf("store: load %s: %w", t.name, err)
		}
		if _, err := tx.ExecContext(ctx, query, string(data)); err != nil {
			return fmt.Errorf("store: load %s (rows %d to %d): %w", t.name, start+1, start+len(batch), err)
		}
		progress(len(batch))
	}
	return nil
}

// upsertJSON is the statement that upserts the rows of t given as one
// JSON array of arrays, in its column order.
func (d dialect) upsertJSON(t *fxTable) string {
	names := make([]string, len(t.cols))
	values := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = `"` + c.name + `"`
		if d == postgresDialect {
			typ := map[fxKind]string{fxInt: "bigint", fxText: "text", fxBool: "boolean", fxTime: "timestamptz", fxClock: "time"}[c.kind]
			values[i] = fmt.Sprintf("(e->>%d)::%s", i, typ)
		} else {
			values[i] = fmt.Sprintf("json_extract(e.value, '$[%d]')", i)
		}
	}
	from := "json_each($1) e WHERE true" // WHERE: SQLite's upsert after a SELECT needs one
	if d == postgresDialect {
		from = "json_array_elements($1::json) e"
	}
	q := `INSERT INTO ` + t.name + ` (` + strings.Join(names, ", ") + `) SELECT ` + strings.Join(values, ", ") +
		` FROM ` + from + ` ON CONFLICT (` + strings.Join(names[:t.keys], ", ") + `) DO `
	if t.keys == len(t.cols) {
		return q + `NOTHING`
	}
	set := make([]string, 0, len(t.cols)-t.keys)
	for _, n := range names[t.keys:] {
		set = append(set, n+" = excluded."+n)
	}
	return q + `UPDATE SET ` + strings.Join(set, ", ")
}

// moveSequences moves the id sequences of PostgreSQL past the largest id
// in their tables, so that rows made later do not take a loaded pk.
// SQLite's AUTOINCREMENT follows explicit ids by itself.
func (s *Store) moveSequences(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != postgresDialect {
		return nil
	}
	for _, t := range fxTables {
		if t.cols[0].name != "id" {
			continue
		}
		_, err := tx.ExecContext(ctx, `SELECT setval(seq, m) FROM (
			SELECT pg_get_serial_sequence($1, 'id') AS seq, (SELECT MAX(id) FROM `+t.name+`) AS m) x
			WHERE m IS NOT NULL AND m > COALESCE(pg_sequence_last_value(seq::regclass), 0)`, t.name)
		if err != nil {
			return fmt.Errorf("store: move the id sequence of %s: %w", t.name, err)
		}
	}
	return nil
}

// compactJSON is valid JSON without insignificant space.
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// stringList reads a list of strings, or Django's comma-joined form of
// one ("EM,SM", "1,2,3").
func stringList(raw json.RawMessage) ([]string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return []string{}, true
		}
		return strings.Split(s, ","), true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out = append(out, s)
			continue
		}
		var n int64
		if json.Unmarshal(v, &n) != nil {
			return nil, false
		}
		out = append(out, strconv.FormatInt(n, 10))
	}
	return out, true
}

// fxFields reads the fields of one entry into database values, keeping
// the first error.
type fxFields struct {
	d    dialect
	m    map[string]json.RawMessage
	seen []string
	err  error
}

func (f *fxFields) fail(name, format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
}

func (f *fxFields) use(name string) { f.seen = append(f.seen, name) }

func (f *fxFields) used(name string) bool { return slices.Contains(f.seen, name) }

// get is the field's value, nil when it is absent or null.
func (f *fxFields) get(name string) json.RawMessage {
	f.use(name)
	raw := bytes.TrimSpace(f.m[name])
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// pk is an integer pk.
func (f *fxFields) pk(raw json.RawMessage) int64 {
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
		if f.err == nil {
			f.err = fmt.Errorf("pk: not a positive integer")
		}
	}
	return n
}

// pkText is a text pk (a source type's name, a token's key, a digest).
func (f *fxFields) pkText(raw json.RawMessage) any {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		if f.err == nil {
			f.err = fmt.Errorf("pk: not a non-empty string")
		}
		return nil
	}
	return s
}

// int is a required integer (a foreign key); it returns an int64.
func (f *fxFields) int(name string) any {
	raw := f.get(name)
	var n int64
	if raw == nil {
		f.fail(name, "missing")
		return int64(0)
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		f.fail(name, "not an integer")
	}
	return n
}

// nint is an integer or nil.
func (f *fxFields) nint(name string) any {
	if f.get(name) == nil {
		return nil
	}
	return f.int(name)
}

// ints is a list of integers (a many-to-many field).
func (f *fxFields) ints(name string) []int64 {
	raw := f.get(name)
	if raw == nil {
		return nil
	}
	var ns []int64
	if err := json.Unmarshal(raw, &ns); err != nil {
		f.fail(name, "not a list of integers")
	}
	return ns
}

// text is a string; def is what an absent or null field is, and nil
// makes it required.
func (f *fxFields) text(name string, def any) any {
	raw := f.get(name)
	if raw == nil {
		if def == nil {
			f.fail(name, "missing")
			return ""
		}
		return def
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.fail(name, "not a string")
	}
	return s
}

// ntext is a string or nil.
func (f *fxFields) ntext(name string) any {
	if f.get(name) == nil {
		return nil
	}
	return f.text(name, "")
}

func (f *fxFields) bool(name string, def bool) any {
	raw := f.get(name)
	if raw == nil {
		return def
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		f.fail(name, "not true or false")
	}
	return b
}

// time is a date and time in a database's form, nil when absent or null
// (an error when required).
func (f *fxFields) time(name string, required bool) any {
	raw := f.get(name)
	if raw == nil {
		if required {
			f.fail(name, "missing")
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.fail(name, "not a date and time")
		return nil
	}
	t, err := parseFixtureTime(s)
	if err != nil || argus.IsInfinity(t) || argus.IsNegInfinity(t) {
		f.fail(name, "%q is not a date and time", s)
		return nil
	}
	return f.d.fixtureTime(t)
}

// end is an incident's end time: null (stateless), a time, or
// ±infinity — "infinity" as our mock data writes it, or the year 9999
// that Django's dumpdata makes of it (datetime.max).
func (f *fxFields) end(name string) any {
	raw := f.get(name)
	if raw == nil {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.fail(name, "not a date and time")
		return nil
	}
	t, err := parseFixtureTime(s)
	if err != nil {
		f.fail(name, "%q is not a date and time or infinity", s)
		return nil
	}
	return f.d.fixtureTime(t)
}

func (f *fxFields) clock(name string) any {
	s, _ := f.text(name, nil).(string)
	t, err := argus.ParseTimeOfDay(s)
	if err != nil {
		f.fail(name, "%q is not a time of day", s)
		return nil
	}
	return t.String()
}

// days is a recurrence's weekdays, 1 (Monday) to 7, sorted.
func (f *fxFields) days(name string) any {
	raw := f.get(name)
	if raw == nil {
		f.fail(name, "missing")
		return nil
	}
	list, ok := stringList(raw)
	if !ok {
		f.fail(name, "not a list of weekdays")
		return nil
	}
	days := make([]int, 0, len(list))
	for _, s := range list {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 7 {
			f.fail(name, "%q is not a weekday (1 to 7)", s)
			return nil
		}
		if !slices.Contains(days, n) {
			days = append(days, n)
		}
	}
	slices.Sort(days)
	return joinDays(days)
}

// filter is a filter's blob: the 2.x "filter" object, or else the v1
// "filter_string" (a JSON document as a string), in our stored form.
func (f *fxFields) filter() any {
	raw := f.get("filter")
	legacy := f.get("filter_string")
	if raw == nil || string(raw) == "{}" && legacy != nil {
		if legacy == nil {
			f.fail("filter", "missing (and no filter_string)")
			return nil
		}
		var s string
		if err := json.Unmarshal(legacy, &s); err != nil {
			f.fail("filter_string", "not a string")
			return nil
		}
		raw = json.RawMessage(s)
	}
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		f.fail("filter", "not a JSON object")
		return nil
	}
	return string(argus.ParseStoredBlob(raw).MarshalStored())
}

// parseFixtureTime reads the times of Django fixtures: ISO 8601 with or
// without a zone (UTC then) and fraction, and ±infinity.
func parseFixtureTime(s string) (time.Time, error) {
	switch s {
	case "infinity":
		return argus.Infinity, nil
	case "-infinity":
		return argus.NegInfinity, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			switch {
			case t.Year() >= 9999:
				return argus.Infinity, nil
			case t.Year() <= 1:
				return argus.NegInfinity, nil
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date and time")
}

// fixtureTime is a time as the JSON of upsertJSON carries it.
func (d dialect) fixtureTime(t time.Time) any {
	switch v := d.end(&t).(type) {
	case time.Time:
		return v.Format(time.RFC3339Nano)
	default:
		return v
	}
}

// DumpFixture writes every row that LoadFixture loads, as fixture
// entries in the order LoadFixture writes them and by pk within a model,
// so that loading a dump into an empty database gives the same data
// (D23). The models are Argus 2.x's, with the fields only we keep
// beside theirs: a profile's v1 media and phone number, a destination's
// managed flag, a source's last_seen. Of an API token only its digest
// exists; it is written as the pk "sha256$<digest>", which LoadFixture
// takes back as it is.
func (s *Store) DumpFixture(ctx context.Context, emit func(Fixture) error) error {
	return s.readSnapshot(ctx, func(q queryer) error {
		links := map[*fxTable]map[int64][]int64{}
		for _, t := range []*fxTable{fxProfileFilter, fxProfileDestination} {
			m := map[int64][]int64{}
			rows, err := collect(ctx, q, "dump "+t.name, func(rows *sql.Rows, r *[2]int64) error {
				return rows.Scan(&r[0], &r[1])
			}, `SELECT "`+t.cols[0].name+`", "`+t.cols[1].name+`" FROM `+t.name+` ORDER BY 1, 2`)
			if err != nil {
				return err
			}
			for _, r := range rows {
				m[r[0]] = append(m[r[0]], r[1])
			}
			links[t] = m
		}
		for _, t := range fxTables {
			if t.replace {
				continue
			}
			if err := dumpTable(ctx, q, t, func(v []any) error {
				e, err := fixtureOf(t, v, links)
				if err != nil {
					return err
				}
				return emit(e)
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// readSnapshot runs fn, which only reads, on one view of the database, so
// that what it reads table after table fits together while others write:
// a read-only repeatable-read transaction on PostgreSQL, a deferred
// transaction on SQLite (in WAL mode it sees the database as at its first
// read and blocks no writer, unlike the immediate ones of tx).
func (s *Store) readSnapshot(ctx context.Context, fn func(q queryer) error) error {
	if s.dialect == postgresDialect {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return fmt.Errorf("store: begin a snapshot: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // nothing was written
		return fn(tx)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: a connection for a snapshot: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return fmt.Errorf("store: begin a snapshot: %w", err)
	}
	ferr := fn(conn)
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); err != nil && ferr == nil {
		return fmt.Errorf("store: end a snapshot: %w", err)
	}
	return ferr
}

// dumpTable reads every row of t in key order: *int64, *string, bool,
// *time.Time and string (a time of day) by column kind.
func dumpTable(ctx context.Context, q queryer, t *fxTable, fn func([]any) error) error {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = `"` + c.name + `"`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+t.name+
		` ORDER BY `+strings.Join(names[:t.keys], ", "))
	if err != nil {
		return fmt.Errorf("store: dump %s: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(t.cols))
		dest := make([]any, len(t.cols))
		for i, c := range t.cols {
			switch c.kind {
			case fxInt:
				dest[i] = new(*int64)
			case fxText:
				dest[i] = new(*string)
			case fxBool:
				dest[i] = new(bool)
			case fxTime:
				dest[i] = scanNullTime(new(*time.Time))
			case fxClock:
				dest[i] = new(string)
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("store: dump %s: %w", t.name, err)
		}
		for i, d := range dest {
			switch d := d.(type) {
			case **int64:
				vals[i] = *d
			case **string:
				vals[i] = *d
			case *bool:
				vals[i] = *d
			case *timeScanner:
				vals[i] = *d.ndst
			case *string:
				tod, err := argus.ParseTimeOfDay(strings.TrimSpace(*d))
				if err != nil {
					return fmt.Errorf("store: dump %s: %w", t.name, err)
				}
				vals[i] = tod.String()
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: dump %s: %w", t.name, err)
	}
	return nil
}

// fixtureOf is the entry of one row of t.
func fixtureOf(t *fxTable, v []any, links map[*fxTable]map[int64][]int64) (Fixture, error) {
	var model string
	var pk any = v[0]
	f := map[string]any{}
	switch t {
	case fxUser:
		model = "argus_auth.user"
		f = map[string]any{"password": v[1], "last_login": fixtureTimeText(v[2]), "is_superuser": v[3],
			"username": v[4], "first_name": v[5], "last_name": v[6], "email": v[7], "is_staff": v[8],
			"is_active": v[9], "date_joined": fixtureTimeText(v[10]), "groups": []int{}, "user_permissions": []int{}}
	case fxToken:
		model, pk = "authtoken.token", legacyTokenPrefix+*v[0].(*string)
		f = map[string]any{"user": v[1], "created": fixtureTimeText(v[2])}
	case fxKnox:
		model = "knox.authtoken"
		f = map[string]any{"token_key": v[1], "user": v[2], "created": fixtureTimeText(v[3]), "expiry": fixtureTimeText(v[4])}
	case fxSourceType:
		model = "argus_incident.sourcesystemtype"
	case fxSource:
		model = "argus_incident.sourcesystem"
		f = map[string]any{"name": v[1], "type": v[2], "user": v[3], "base_url": v[4], "last_seen": fixtureTimeText(v[5])}
	case fxIncident:
		model = "argus_incident.incident"
		f = map[string]any{"start_time": fixtureTimeText(v[1]), "end_time": fixtureTimeText(v[2]), "source": v[3],
			"source_incident_id": v[4], "details_url": v[5], "description": v[6], "ticket_url": v[7], "level": v[8],
			"metadata": rawJSON(v[9])}
	case fxTag:
		model = "argus_incident.tag"
		f = map[string]any{"key": v[1], "value": v[2]}
	case fxRelation:
		model = "argus_incident.incidenttagrelation"
		f = map[string]any{"tag": v[1], "incident": v[2], "added_by": v[3], "added_time": fixtureTimeText(v[6])}
	case fxEvent:
		model = "argus_incident.event"
		f = map[string]any{"incident": v[1], "actor": v[2], "timestamp": fixtureTimeText(v[3]),
			"received": fixtureTimeText(v[4]), "type": v[5], "description": v[6]}
	case fxAck:
		model = "argus_incident.acknowledgement"
		f = map[string]any{"expiration": fixtureTimeText(v[1])}
	case fxTimeslot:
		model = "argus_notificationprofile.timeslot"
		f = map[string]any{"user": v[1], "name": v[2]}
	case fxRecurrence:
		model = "argus_notificationprofile.timerecurrence"
		f = map[string]any{"timeslot": v[1], "days": v[2], "start": v[3], "end": v[4]}
	case fxFilter:
		model = "argus_notificationprofile.filter"
		f = map[string]any{"user": v[1], "name": v[2], "filter": rawJSON(v[3]), "public": v[4]}
	case fxMedia:
		model = "argus_notificationprofile.media"
		f = map[string]any{"name": v[1], "installed": v[2]}
	case fxDestination:
		model = "argus_notificationprofile.destinationconfig"
		f = map[string]any{"user": v[1], "media": v[2], "label": v[3], "settings": rawJSON(v[4]), "managed": v[5]}
	case fxProfile:
		model = "argus_notificationprofile.notificationprofile"
		id := *v[0].(*int64)
		f = map[string]any{"user": v[1], "timeslot": v[2], "name": v[3], "active": v[4], "media": v[5],
			"phone_number": v[6], "filters": nonNilIDs(links[fxProfileFilter][id]),
			"destinations": nonNilIDs(links[fxProfileDestination][id])}
	case fxKept:
		model = *v[0].(*string)
		pkText, fieldsText := *v[1].(*string), *v[2].(*string)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(fieldsText), &fields); err != nil {
			return Fixture{}, fmt.Errorf("store: dump %s %s: %w", model, pkText, err)
		}
		return Fixture{Model: model, PK: json.RawMessage(pkText), Fields: fields}, nil
	}
	pkJSON, err := json.Marshal(pk)
	if err != nil {
		return Fixture{}, err
	}
	fields := make(map[string]json.RawMessage, len(f))
	for k, val := range f {
		data, err := marshalNoEscape(val)
		if err != nil {
			return Fixture{}, fmt.Errorf("store: dump %s %s: %w", model, pkJSON, err)
		}
		fields[k] = data
	}
	return Fixture{Model: model, PK: pkJSON, Fields: fields}, nil
}

// marshalNoEscape is json.Marshal without the escaping of <, > and &.
func marshalNoEscape(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// fixtureTimeText is a time as dumps write it: UTC with microseconds
// (Django's own encoder keeps milliseconds only; a round trip must not
// lose them), "infinity" and "-infinity", or null.
func fixtureTimeText(v any) any {
	t, _ := v.(*time.Time)
	switch {
	case t == nil:
		return nil
	case argus.IsInfinity(*t):
		return "infinity"
	case argus.IsNegInfinity(*t):
		return "-infinity"
	}
	return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
}

// rawJSON is a JSON column's text as JSON, or as a string when it is not
// JSON.
func rawJSON(v any) any {
	s, _ := v.(*string)
	if s == nil {
		return nil
	}
	if json.Valid([]byte(*s)) {
		return json.RawMessage(*s)
	}
	return *s
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
