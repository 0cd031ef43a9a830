package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store"
)

// loginView is the login page.
type loginView struct {
	page
	Username  string
	Next      string
	Error     string
	Providers []auth.Provider
}

// login shows the login form (GET) and logs in (POST): a session row and
// its cookie (D35), then back to where the user was going. Failed
// attempts are limited per username and per client address.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.FormValue("next"))
	v := loginView{page: page{Title: "Log in"}, Next: next, Providers: s.providers}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if ss, err := s.session(r); err == nil && ss != nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "login", v)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	// No session yet, so no token: the login form is protected by the
	// browser's origin headers (a cross-site login is refused).
	if err := http.NewCrossOriginProtection().Check(r); err != nil {
		s.forbidden(w, r, "This form came from another site.")
		return
	}
	// The password is only hashed, never stored or compared as text.
	username, bad := formText(r.PostForm, "username", api.MaxUsernameLength)
	v.Username = username
	password := r.PostFormValue("password")
	user, addr := strings.ToLower(v.Username), peerAddr(r)
	if s.users.blocked(user) || s.addrs.blocked(addr) {
		v.Error = "Too many failed attempts. Wait a few minutes and try again."
		s.render(w, r, http.StatusTooManyRequests, "login", v)
		return
	}
	if bad != "" || v.Username == "" || password == "" || len(password) > api.MaxPasswordLength {
		v.Error = "Enter your username and password."
		s.render(w, r, http.StatusBadRequest, "login", v)
		return
	}
	u, err := s.accounts.Login(r.Context(), v.Username, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		s.users.failed(user)
		s.addrs.failed(addr)
		v.Error = "The username and password do not match an active account."
		s.render(w, r, http.StatusBadRequest, "login", v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key, err := s.accounts.StartSession(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setSession(w, r, key, s.accounts.SessionLifetime)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps a post-login target on this site: a path, not a URL
// that leads elsewhere ("//evil.example", "https://…").
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/incidents/"
	}
	return next
}

// logout ends the session, in the database too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	if err := s.accounts.EndSession(r.Context(), ss.key); err != nil {
		s.fail(w, r, err)
		return
	}
	setSession(w, r, "", 0)
	http.Redirect(w, r, "/login/", http.StatusSeeOther)
}

// Choices of the incident list.
var (
	shows  = []string{"open", "unacked", "acked", "all"}
	levels = []int{1, 2, 3, 4, 5}
)

// listView is the incident list.
type listView struct {
	page
	Show     string
	MaxLevel int
	// Picked are the sources the list is narrowed to (none: any).
	Picked   []argus.Source
	Tags     string
	Search   string
	From, To string // datetime-local values
	// Back is this page's own path and query, where a bulk action returns.
	Back      string
	Sources   []argus.Source
	Incidents []argus.Incident
	Now       time.Time
	Next      string
	Previous  string
	Errors    []string
	// Cols are the columns the user chose to see; PageSize how many rows.
	Cols     map[string]bool
	PageSize int
}

// IsPicked reports whether the list is narrowed to the source id.
func (v *listView) IsPicked(id int64) bool {
	return slices.ContainsFunc(v.Picked, func(s argus.Source) bool { return s.ID == id })
}

// webPageSize is how many incidents a page of the list shows unless the
// user chose otherwise.
const webPageSize = 50

// Columns of the list one may hide (level and the selection stay), in
// their order, and the page sizes one may choose.
var (
	columns   = []string{"started", "source", "description", "tags", "state", "ticket"}
	pageSizes = []int{25, 50, 100, 200}
)

// listPrefs is the user's choice of columns and page size, the defaults
// where they made none.
func (s *Server) listPrefs(ctx context.Context, userID int64) (map[string]bool, int, error) {
	p, err := s.st.Preferences(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	cols := map[string]bool{}
	if p.Columns == nil {
		p.Columns = columns
	}
	for _, c := range p.Columns {
		cols[c] = true
	}
	size := p.PageSize
	if !slices.Contains(pageSizes, size) {
		size = webPageSize
	}
	return cols, size, nil
}

// preferences stores the list's columns and page size the user chose, and
// goes back to the list.
func (s *Server) preferences(w http.ResponseWriter, r *http.Request, ss *session) {
	p := store.Preferences{Columns: []string{}}
	for _, c := range columns {
		if slices.Contains(r.PostForm["column"], c) {
			p.Columns = append(p.Columns, c)
		}
	}
	if n, err := strconv.Atoi(r.PostFormValue("page_size")); err == nil && slices.Contains(pageSizes, n) {
		p.PageSize = n
	}
	if err := s.st.SetPreferences(r.Context(), ss.user.ID, p); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
}

// incidents lists incidents with the API's filters (one query path):
// open ones by default, then unacked, acked or all; at most a level;
// any of the sources; tags ("key=value", comma-separated); pages by
// cursor.
func (s *Server) incidents(w http.ResponseWriter, r *http.Request, ss *session) {
	v := listView{page: s.pageOf(r, "Incidents"), Now: s.now(), Back: r.URL.RequestURI()}
	f := s.listFilter(r.URL.Query(), &v)
	cursor, err := api.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		cursor = nil // an old or edited link: start from the top
	}
	ctx := r.Context()
	if v.Cols, v.PageSize, err = s.listPrefs(ctx, ss.user.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	list, more, err := s.st.Incidents(ctx, f, cursor, v.PageSize, v.Now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Incidents = list
	if next := api.NextLink(r, list, cursor, more); next != nil {
		v.Next = localLink(*next)
	}
	if prev := api.PreviousLink(r, list, cursor, more); prev != nil {
		v.Previous = localLink(*prev)
	}
	if v.Sources, err = s.st.Sources(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, src := range v.Sources {
		if slices.Contains(f.SourceIDs, src.ID) {
			v.Picked = append(v.Picked, src)
		}
	}
	s.render(w, r, http.StatusOK, "incidents", &v)
}

// listFilter reads the list's filters from q into the store's filter
// (the API's own parameters, one query path) and into v for the form.
func (s *Server) listFilter(q url.Values, v *listView) store.IncidentFilter {
	v.Show, v.Tags = q.Get("show"), q.Get("tags")
	if !contains(shows, v.Show) {
		v.Show = "open"
	}
	// The sources are checkboxes, a value each; the API takes them as
	// one comma-separated value.
	if ids := q["source__id__in"]; len(ids) > 1 {
		q = maps.Clone(q)
		q["source__id__in"] = []string{strings.Join(ids, ",")}
	}
	f, err := api.ParseIncidentFilter(q, s.loc, true)
	if err != nil {
		v.Errors = fieldMessages(err)
		f = store.IncidentFilter{}
	}
	if f.Open == nil && f.Acked == nil {
		switch v.Show {
		case "open":
			f.Open = new(true)
		case "unacked":
			f.Open, f.Acked = new(true), new(false)
		case "acked":
			f.Open, f.Acked = new(true), new(true)
		}
	}
	if n, err := strconv.Atoi(q.Get("level__lte")); err == nil && n >= argus.MinLevel && n <= argus.MaxLevel {
		v.MaxLevel, f.MaxLevel = n, n
	}
	search, bad := formText(q, "q", maxSearchLength)
	if bad != "" {
		v.Errors = append(v.Errors, "Search: "+bad)
	}
	v.Search = search
	// Words and "quoted phrases", each of which must be found, as the
	// API's ?search= takes them (api-v2.md §4.4.2).
	if f.Search = api.SearchTerms(search); len(f.Search) > api.MaxSearchTerms {
		v.Errors = append(v.Errors, fmt.Sprintf("Search: give at most %d words.", api.MaxSearchTerms))
		f.Search = nil
	}
	for _, t := range []struct {
		key string
		dst **time.Time
		val *string
	}{{"from", &f.StartGTE, &v.From}, {"to", &f.StartLTE, &v.To}} {
		raw := strings.TrimSpace(q.Get(t.key))
		if raw == "" {
			continue
		}
		at, err := time.ParseInLocation("2006-01-02T15:04", raw, s.loc)
		if err != nil {
			v.Errors = append(v.Errors, "Give "+t.key+" as a date and a time.")
			continue
		}
		*t.dst, *t.val = &at, raw
	}
	return f
}

// formText reads a text field of a form or a query through the one reader
// of text parameters the API has (api.TextValue): invalid UTF-8 is
// replaced, and NUL or more than max characters refused, so that no text
// a client sends can make the database fail. bad says why it was
// refused.
func formText(vals url.Values, key string, max int) (v, bad string) {
	errs := api.FieldErrors{}
	v = strings.TrimSpace(api.TextValue(vals, key, max, errs))
	if msgs, ok := errs[key].([]string); ok && len(msgs) > 0 {
		return "", msgs[0]
	}
	return v, ""
}

// maxSearchLength bounds the list's text search.
const maxSearchLength = 200

// rowView is one row of the list.
type rowView struct {
	Incident *argus.Incident
	Now      time.Time
	Cols     map[string]bool
}

// row answers one incident's row of the list as the list's filters (the
// query) show it, for a live update to put in place; 204 when the
// incident no longer passes them, and the row should go.
func (s *Server) row(w http.ResponseWriter, r *http.Request, ss *session) {
	id, err := api.PathID(r, "pk")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var v listView
	f := s.listFilter(r.URL.Query(), &v)
	f.ID = id
	now := s.now()
	list, _, err := s.st.Incidents(r.Context(), f, nil, 1, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(list) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	cols, _, err := s.listPrefs(r.Context(), ss.user.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPart(w, r, "incidents", "row", rowView{Incident: &list[0], Now: now, Cols: cols})
}

// wallView is the wall screen: open incidents by level.
type wallView struct {
	page
	Levels         []wallLevel
	Total, Unacked int
	// More is true when more incidents are open than the wall shows.
	More bool
	Now  time.Time
}

type wallLevel struct {
	Level     int
	Name      string
	Incidents []wallIncident
}

type wallIncident struct {
	ID          int64
	Description string
	Source      string
	Start       time.Time
	Acked       bool
	// New marks an incident that started in the last wallNew.
	New bool
}

// wallNew is how long a new incident stands out on the wall.
const wallNew = 15 * time.Minute

// wall shows every open incident, most severe first, in large type, with
// no controls: for the NOC's wall screen, which updates itself and
// reconnects by itself forever.
func (s *Server) wall(w http.ResponseWriter, r *http.Request, _ *session) {
	v := wallView{page: s.pageOf(r, "Wall"), Now: s.now()}
	list, more, err := s.st.Incidents(r.Context(), store.IncidentFilter{Open: new(true)}, nil, wallMax, v.Now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byLevel := map[int][]wallIncident{}
	for _, inc := range list {
		byLevel[inc.Level] = append(byLevel[inc.Level], wallIncident{
			ID: inc.ID, Description: inc.Description, Source: inc.Source.Name, Start: inc.StartTime,
			Acked: inc.Acked, New: v.Now.Sub(inc.StartTime) < wallNew,
		})
		v.Total++
		if !inc.Acked {
			v.Unacked++
		}
	}
	for _, l := range levels {
		if len(byLevel[l]) > 0 {
			v.Levels = append(v.Levels, wallLevel{Level: l, Name: levelName(l), Incidents: byLevel[l]})
		}
	}
	v.More = more
	s.render(w, r, http.StatusOK, "wall", &v)
}

// wallMax is how many incidents the wall shows, the newest: more do not
// fit on any screen.
const wallMax = 300

// localLink keeps the path and query of an absolute link of the API's.
func localLink(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// fieldMessages flattens the API's field errors for a page.
func fieldMessages(err error) []string {
	var fe api.FieldErrors
	if !errors.As(err, &fe) {
		return []string{err.Error()}
	}
	var out []string
	for field, msgs := range fe {
		if list, ok := msgs.([]string); ok {
			for _, m := range list {
				out = append(out, field+": "+m)
			}
		}
	}
	return out
}

// detailView is one incident's page.
type detailView struct {
	page
	Incident argus.Incident
	Events   []argus.Event
	Acks     []argus.Ack
	Now      time.Time
	Error    string
	// CanAct is true for end users, who may acknowledge, close, reopen
	// and comment; source systems post through the API.
	CanAct bool
}

func (s *Server) incident(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showIncident(w, r, ss, http.StatusOK, "")
}

func (s *Server) showIncident(w http.ResponseWriter, r *http.Request, ss *session, status int, msg string) {
	id, err := api.PathID(r, "pk")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	v := detailView{Now: s.now(), Error: msg, CanAct: ss.user.IsEndUser()}
	if v.Incident, err = s.st.Incident(ctx, id, v.Now); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Events, err = s.st.Events(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Acks, err = s.st.Acks(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	v.page = s.pageOf(r, fmt.Sprintf("Incident %d", id))
	s.render(w, r, status, "incident", &v)
}

// act runs an end user's action on an incident — ack, close, reopen,
// comment, ticket — and goes back to the incident (post, redirect, get).
// A refusal (already closed, a bad ticket URL) shows on the incident's
// page.
func (s *Server) act(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.mayAct(w, r, ss) {
		return
	}
	id, err := api.PathID(r, "pk")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.apply(r.Context(), ss.user, id, r.PathValue("action"), r.PostForm)
	var bad formError
	switch {
	case err == nil:
		http.Redirect(w, r, path.Join("/incidents", strconv.FormatInt(id, 10))+"/", http.StatusSeeOther)
	case errors.As(err, &bad):
		s.showIncident(w, r, ss, http.StatusBadRequest, string(bad))
	case argus.Refusals(err) != nil && !errors.Is(err, argus.ErrNotFound):
		s.showIncident(w, r, ss, http.StatusBadRequest, describe(err))
	default:
		s.fail(w, r, err)
	}
}

// mayAct answers 403 unless the session's user may act on incidents
// here: end users, as the pages show (detailView.CanAct). Source systems
// act through the API, by its rules.
func (s *Server) mayAct(w http.ResponseWriter, r *http.Request, ss *session) bool {
	if !ss.user.IsEndUser() {
		s.forbidden(w, r, "Source systems act on incidents through the API.")
		return false
	}
	return true
}

// formError is a form the page refuses before the store sees it.
type formError string

func (e formError) Error() string { return string(e) }

// apply does one action of u on the incident with the form's fields:
// "comment" for all, "expiration" for ack, "ticket_url" for ticket. The
// store applies the rules.
func (s *Server) apply(ctx context.Context, u *argus.User, id int64, action string, form url.Values) error {
	now := s.now()
	comment, bad := formText(form, "comment", api.MaxDescriptionLength)
	if bad != "" {
		return formError("Comment: " + bad)
	}
	event := func(t argus.EventType) error {
		_, err := s.st.CreateEvent(ctx, argus.RulesV2, argus.Event{IncidentID: id, Timestamp: now, Type: t, Description: comment}, u, now)
		return err
	}
	switch action {
	case "ack":
		ack := argus.Ack{Event: argus.Event{IncidentID: id, Timestamp: now, Description: comment}}
		if v := strings.TrimSpace(form.Get("expiration")); v != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", v, s.loc)
			if err != nil {
				return formError("Give the expiry as a date and a time.")
			}
			ack.Expiration = &t
		}
		_, err := s.st.CreateAck(ctx, argus.RulesV2, ack, u, now)
		return err
	case "close":
		return event(argus.EventClose)
	case "reopen":
		return event(argus.EventReopen)
	case "comment":
		if comment == "" {
			return formError("Write a comment first.")
		}
		return event(argus.EventOther)
	case "ticket":
		ticket, bad := formText(form, "ticket_url", api.MaxURLLength)
		if bad != "" || ticket != "" && !argus.ValidURL(ticket) {
			return formError("Enter a valid URL for the ticket.")
		}
		return s.st.SetTicketURL(ctx, id, ticket, u, now)
	}
	return fmt.Errorf("web: action %q: %w", action, argus.ErrNotFound)
}

// maxBulk bounds how many incidents one bulk action takes.
const maxBulk = 500

// bulkView is the outcome of a bulk action.
type bulkView struct {
	page
	Action  string
	Done    []int64
	Refused []bulkRefusal
	Back    string
}

type bulkRefusal struct {
	ID      int64
	Message string
}

// bulk applies one action to the incidents selected in the list, each by
// the same rules as alone (one refused does not stop the others), and
// shows what happened to each.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.mayAct(w, r, ss) {
		return
	}
	v := bulkView{page: s.pageOf(r, "Bulk action"), Action: r.PostFormValue("action"), Back: safeNext(r.PostFormValue("back"))}
	ids := r.PostForm["id"]
	if len(ids) == 0 || len(ids) > maxBulk {
		s.render(w, r, http.StatusBadRequest, "problem", problem{page: s.pageOf(r, "Nothing done"), Status: 400,
			Message: fmt.Sprintf("Select between 1 and %d incidents first.", maxBulk)})
		return
	}
	if !contains([]string{"ack", "close", "reopen", "ticket"}, v.Action) {
		s.fail(w, r, fmt.Errorf("web: bulk action %q: %w", v.Action, argus.ErrNotFound))
		return
	}
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			continue
		}
		err = s.apply(r.Context(), ss.user, id, v.Action, r.PostForm)
		var bad formError
		switch {
		case err == nil:
			v.Done = append(v.Done, id)
		case errors.As(err, &bad):
			v.Refused = append(v.Refused, bulkRefusal{id, string(bad)})
		case errors.Is(err, argus.ErrNotFound):
			v.Refused = append(v.Refused, bulkRefusal{id, "There is no such incident."})
		case argus.Refusals(err) != nil:
			v.Refused = append(v.Refused, bulkRefusal{id, describe(err)})
		default:
			s.fail(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if len(v.Done) == 0 {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "bulk", &v)
}

// peerAddr is the client's address as the middleware chain worked it out.
func peerAddr(r *http.Request) string { return httpserver.PeerFrom(r).Addr }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// funcs are the templates' helpers: formatting only.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string { return t.In(s.loc).Format("2006-01-02 15:04:05") },
		"iso":  func(t time.Time) string { return t.In(s.loc).Format(time.RFC3339) },
		"ago":  ago,
		// short is the exact time without what the reader knows: the
		// year when it is this year's.
		"short": func(t, now time.Time) string {
			t, now = t.In(s.loc), now.In(s.loc)
			if t.Year() == now.Year() {
				return t.Format("01-02 15:04")
			}
			return t.Format("2006-01-02 15:04")
		},
		"endTime": func(inc argus.Incident) string {
			switch {
			case inc.EndTime == nil:
				return ""
			case argus.IsInfinity(*inc.EndTime):
				return "open"
			}
			return inc.EndTime.In(s.loc).Format("2006-01-02 15:04:05")
		},
		"levelName": levelName,
		"metadata":  metadataText,
		"row": func(inc argus.Incident, now time.Time, cols map[string]bool) rowView {
			return rowView{Incident: &inc, Now: now, Cols: cols}
		},
		"columns":   func() []string { return columns },
		"pageSizes": func() []int { return pageSizes },
		"open":      func(inc argus.Incident, now time.Time) bool { return inc.Open(now) },
		"csrfField": func(token string) template.HTML {
			return template.HTML(`<input type="hidden" name="csrf_token" value="` + template.HTMLEscapeString(token) + `">`)
		},
		"shows":  func() []string { return shows },
		"levels": func() []int { return levels },
		"expiry": func(a argus.Ack) string {
			if a.Expiration == nil {
				return ""
			}
			return a.Expiration.In(s.loc).Format("2006-01-02 15:04")
		},
		"safeURL": func(u string) template.URL {
			if argus.ValidURL(u) && (strings.HasPrefix(strings.ToLower(u), "http://") || strings.HasPrefix(strings.ToLower(u), "https://")) {
				return template.URL(u)
			}
			return ""
		},
	}
}

// levelName is the name of an incident level (D3).
func levelName(l int) string {
	switch l {
	case 1:
		return "Critical"
	case 2:
		return "High"
	case 3:
		return "Moderate"
	case 4:
		return "Low"
	}
	return "Information"
}

// ago says how long before now t was, roughly.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// metadataText is an incident's metadata (API v2) laid out for reading;
// "" when it holds nothing.
func metadataText(m json.RawMessage) string {
	var out bytes.Buffer
	if len(bytes.TrimSpace(m)) == 0 || json.Indent(&out, m, "", "  ") != nil {
		return ""
	}
	if t := out.String(); t != "{}" {
		return t
	}
	return ""
}
