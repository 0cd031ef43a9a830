package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store"
)

// defaultPageSize is PAGE_SIZE of the original.
const defaultPageSize = 100

// Limits on list parameters, so that a query stays within the databases'
// limits on parameters and expression depth.
const (
	maxListItems = 1000
	maxTagItems  = 100
	// maxPageSize bounds page_size; clients follow "next" for the rest.
	maxPageSize = 10000
)

// msgNullCharacters is Django's refusal of NUL in text.
const msgNullCharacters = "Null characters are not allowed."

// lastValue is the last value of a query parameter, as Django's
// QueryDict.get returns it, with invalid UTF-8 replaced as Django decodes
// it.
func lastValue(q url.Values, key string) string {
	v := q[key]
	if len(v) == 0 {
		return ""
	}
	return strings.ToValidUTF8(v[len(v)-1], "\uFFFD")
}

// TextValue is lastValue for a parameter compared with stored text: NUL
// is refused, as Django's CharField does, and so is text longer than max
// characters, which no stored value can equal. Every text parameter is
// read here or by ListValue.
func TextValue(q url.Values, key string, max int, errs FieldErrors) string {
	v := lastValue(q, key)
	switch {
	case strings.ContainsRune(v, 0):
		errs.Add(key, msgNullCharacters)
		return ""
	case len(v) > max && utf8.RuneCountInString(v) > max:
		errs.Add(key, msgMaxLength(max))
		return ""
	}
	return v
}

// ListValue is a comma-separated text parameter of at most maxItems
// items of at most maxLen characters each.
func ListValue(q url.Values, key string, maxItems, maxLen int, errs FieldErrors) []string {
	// The whole value is bounded only by the server's header limit; its
	// items are counted and measured below.
	items := csv(TextValue(q, key, math.MaxInt, errs))
	if len(items) > maxItems {
		errs.Add(key, fmt.Sprintf("Ensure this field has no more than %d elements.", maxItems))
		return nil
	}
	for _, item := range items {
		if utf8.RuneCountInString(item) > maxLen {
			errs.Add(key, msgMaxLength(maxLen))
			return nil
		}
	}
	return items
}

// queryBool reads a boolean filter tolerantly (api-v1.md §4.3): true,
// false, 1 and 0 in any case; anything else, empty included, is no filter.
func queryBool(q url.Values, key string) *bool {
	switch strings.ToLower(lastValue(q, key)) {
	case "true", "1":
		return new(true)
	case "false", "0":
		return new(false)
	}
	return nil
}

// csv splits a comma-separated parameter, dropping empty items.
func csv(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseIncidentFilter reads the filters of GET /api/v1/incidents/
// (api-v1.md §4.3). Unknown parameters are ignored; bad numbers, times and
// tags are a FieldErrors. withSources false ignores the source filters
// (/incidents/mine/).
func ParseIncidentFilter(q url.Values, loc *time.Location, withSources bool) (store.IncidentFilter, error) {
	f := store.IncidentFilter{
		Open:          queryBool(q, "open"),
		Acked:         queryBool(q, "acked"),
		Stateful:      queryBool(q, "stateful"),
		EndTimeIsNull: queryBool(q, "end_time__isnull"),
		HasTicket:     queryBool(q, "ticket"),
	}
	errs := FieldErrors{}
	if withSources {
		for _, s := range ListValue(q, "source__id__in", maxListItems, MaxIDLength, errs) {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				errs.Add("source__id__in", "Enter a number.")
				break
			}
			f.SourceIDs = append(f.SourceIDs, id)
		}
		f.SourceNames = ListValue(q, "source__name__in", maxListItems, MaxIdentifierLength, errs)
		f.SourceTypes = ListValue(q, "source__type__in", maxListItems, MaxIdentifierLength, errs)
	}
	if v := TextValue(q, "source_incident_id", MaxIdentifierLength, errs); v != "" {
		f.SourceIncidentID = &v
	}
	for key, dst := range map[string]**time.Time{
		"start_time__gte": &f.StartGTE, "start_time__lte": &f.StartLTE,
		"end_time__gte": &f.EndGTE, "end_time__lte": &f.EndLTE,
	} {
		v := strings.TrimSpace(TextValue(q, key, MaxDateTimeLength, errs))
		if v == "" {
			continue
		}
		t, ok := parseDateTime(v, loc)
		if !ok {
			errs.Add(key, "Enter a valid date/time.")
			continue
		}
		*dst = &t
	}
	if v := TextValue(q, "tags", math.MaxInt, errs); v != "" { // items are bounded below
		items := strings.Split(v, ",")
		if len(items) > maxTagItems {
			errs.Add("tags", fmt.Sprintf("Ensure this field has no more than %d elements.", maxTagItems))
			items = nil
		}
		for _, item := range items {
			t, err := argus.ParseTagQuery(item)
			if err != nil {
				errs.Add("tags", messages(err)[0])
				break
			}
			f.Tags = append(f.Tags, t)
		}
	}
	return f, errs.Err()
}

// PageSize reads page_size: default 100, and so for anything that is not
// a positive number; at most maxPageSize.
func PageSize(v string) int {
	v = strings.TrimSpace(v) // as Python's int() reads it
	n, err := strconv.Atoi(v)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-"):
		return maxPageSize
	case err != nil || n <= 0:
		return defaultPageSize
	}
	return min(n, maxPageSize)
}

// errInvalidCursor is DRF's 404 for an undecodable cursor.
var errInvalidCursor = &httpError{status: http.StatusNotFound, detail: "Invalid cursor"}

// Cursors are opaque to clients: URL-safe base64 of
// "<direction>.<start time in Unix microseconds>.<pk>", where direction is
// n (next: rows after the boundary) or p (previous: rows before it).
func encodeCursor(c store.Cursor) string {
	dir := "n"
	if c.Reverse {
		dir = "p"
	}
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s.%d.%d", dir, c.StartTime.UnixMicro(), c.ID))
}

// DecodeCursor reads the cursor parameter; empty means the first page.
func DecodeCursor(v string) (*store.Cursor, error) {
	switch {
	case v == "":
		return nil, nil
	case len(v) > MaxCursorLength:
		return nil, errInvalidCursor
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return nil, errInvalidCursor
	}
	parts := strings.Split(string(data), ".")
	if len(parts) != 3 || (parts[0] != "n" && parts[0] != "p") {
		return nil, errInvalidCursor
	}
	micros, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id < 0 {
		return nil, errInvalidCursor
	}
	t := time.UnixMicro(micros).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return nil, errInvalidCursor
	}
	return &store.Cursor{StartTime: t, ID: id, Reverse: parts[0] == "p"}, nil
}

// Page is a cursor-paginated list.
type Page struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

// pageLink is the absolute URL of this request with the cursor replaced,
// keeping the other parameters (api-v1.md §4.3).
func pageLink(r *http.Request, c store.Cursor) *string {
	return cursorLink(r, encodeCursor(c))
}

// cursorLink is the absolute URL of this request with its cursor
// parameter set to cursor.
func cursorLink(r *http.Request, cursor string) *string {
	q := r.URL.Query()
	q.Set("cursor", cursor)
	u := url.URL{Scheme: httpserver.PeerFrom(r).Scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	s := u.String()
	return &s
}

// NextLink points after the page's last row when more rows follow: known
// from the query on a forward page, and certain on a page reached
// backwards (it ended at the cursor's row).
func NextLink(r *http.Request, list []argus.Incident, cur *store.Cursor, more bool) *string {
	return nextLink(r, list, incidentPosition, cur, more)
}

// PreviousLink points before the page's first row, unless the page is the
// first.
func PreviousLink(r *http.Request, list []argus.Incident, cur *store.Cursor, more bool) *string {
	return previousLink(r, list, incidentPosition, cur, more)
}

// incidentPosition is an incident's place in the incident order.
func incidentPosition(inc *argus.Incident) store.Cursor {
	return store.Cursor{StartTime: inc.StartTime, ID: inc.ID}
}

// eventPosition is an event's place in the event order (-timestamp).
func eventPosition(ev *argus.Event) store.Cursor {
	return store.Cursor{StartTime: ev.Timestamp, ID: ev.ID}
}

// nextLink is NextLink for rows of any list ordered by (-time, -pk), pos
// giving each row's place.
func nextLink[T any](r *http.Request, list []T, pos func(*T) store.Cursor, cur *store.Cursor, more bool) *string {
	forward := cur == nil || !cur.Reverse
	switch {
	case forward && !more:
		return nil
	case len(list) == 0:
		if cur == nil {
			return nil
		}
		return pageLink(r, store.Cursor{StartTime: cur.StartTime, ID: cur.ID + 1})
	}
	return pageLink(r, pos(&list[len(list)-1]))
}

// previousLink is PreviousLink for rows of any list, as nextLink.
func previousLink[T any](r *http.Request, list []T, pos func(*T) store.Cursor, cur *store.Cursor, more bool) *string {
	switch {
	case cur == nil:
		return nil
	case cur.Reverse && !more:
		return nil
	case len(list) == 0:
		return pageLink(r, store.Cursor{StartTime: cur.StartTime, ID: cur.ID - 1, Reverse: true})
	}
	first := pos(&list[0])
	first.Reverse = true
	return pageLink(r, first)
}

// absoluteURL is the absolute URL of path on the host the request came
// to, by the scheme the client used.
func absoluteURL(r *http.Request, path string) string {
	return httpserver.PeerFrom(r).Scheme + "://" + r.Host + path
}

// isNotFound is errors.Is(err, argus.ErrNotFound).
func isNotFound(err error) bool { return errors.Is(err, argus.ErrNotFound) }
