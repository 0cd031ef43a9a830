package argus

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Incident is an unplanned interruption reported by a source system
// (api-v1.md §2.5).
type Incident struct {
	ID        int64
	StartTime time.Time
	// EndTime is nil for a stateless incident, Infinity for an open
	// stateful one, and the closing time otherwise.
	EndTime          *time.Time
	Source           Source
	SourceIncidentID string
	DetailsURL       string
	Description      string
	TicketURL        string
	// Level is the severity, 1 (critical) to 5 (information) (D2, D3).
	Level int
	Tags  []TagRelation
	// Metadata is a JSON object (API v2 only, D31), never null: "{}"
	// when there is none.
	Metadata json.RawMessage
	// Acked is computed by the store against its clock (D25).
	Acked bool
}

// Level bounds and default (D3).
const (
	MinLevel     = 1
	MaxLevel     = 5
	DefaultLevel = 5
)

// Stateful reports whether the incident has a state (an end time).
func (i *Incident) Stateful() bool { return i.EndTime != nil }

// Open reports whether a stateful incident's end time lies after now;
// Infinity is always open.
func (i *Incident) Open(now time.Time) bool {
	return i.EndTime != nil && i.EndTime.After(now)
}

// FullDetailsURL joins DetailsURL with the source's base URL when both
// are set, as Python's urljoin does (api-v1.md §2.5); otherwise it is the
// trimmed DetailsURL.
func (i *Incident) FullDetailsURL() string {
	path := strings.TrimSpace(i.DetailsURL)
	if path == "" {
		return ""
	}
	base := strings.TrimSpace(i.Source.BaseURL)
	if base == "" {
		return path
	}
	b, err1 := url.Parse(base)
	p, err2 := url.Parse(path)
	if err1 != nil || err2 != nil {
		return path
	}
	return b.ResolveReference(p).String()
}

// TagRelation is a tag on an incident with who added it and when.
type TagRelation struct {
	Tag       Tag
	AddedBy   int64
	AddedTime time.Time
}

// EventType is the kind of an event (api-v1.md §2.7).
type EventType string

// The event types.
const (
	EventStart       EventType = "STA"
	EventEnd         EventType = "END"
	EventClose       EventType = "CLO"
	EventReopen      EventType = "REO"
	EventAcknowledge EventType = "ACK"
	EventOther       EventType = "OTH"
	// EventChange records a change of an incident's attributes: made by
	// the server on every change (and then never notified), or posted by
	// a source (D31).
	EventChange EventType = "CHI"
	// EventStateless is the first event of a stateless incident (D31).
	EventStateless EventType = "LES"
	// EventRestart reopens an incident from its source, as Argus main
	// serves API v2 (api-v2.md §5.2); API v1 has no such type.
	EventRestart EventType = "RES"
)

var eventDisplay = map[EventType]string{
	EventStart:       "Incident start",
	EventEnd:         "Incident end",
	EventClose:       "Close",
	EventReopen:      "Reopen",
	EventAcknowledge: "Acknowledge",
	EventOther:       "Other",
	EventChange:      "Incident change",
	EventStateless:   "Stateless",
	EventRestart:     "Incident restart",
}

// Valid reports whether t is one of the event types.
func (t EventType) Valid() bool { _, ok := eventDisplay[t]; return ok }

// Display is the human name of the type ("Incident start").
func (t EventType) Display() string { return eventDisplay[t] }

// Actor is who caused an event.
type Actor struct {
	ID       int64
	Username string
}

// Event is something that happened to an incident (api-v1.md §2.7).
type Event struct {
	ID          int64
	IncidentID  int64
	Actor       Actor
	Timestamp   time.Time
	Received    time.Time
	Type        EventType
	Description string
}

// Ack is an acknowledgement: an ACK event with an optional expiry; its pk
// is the event's (api-v1.md §2.8).
type Ack struct {
	Event      Event
	Expiration *time.Time
}

// Rules are the event rules of one API: which types may be posted, by
// whom, and in which state of the incident (api-v1.md §5.2, api-v2.md
// §5.2). The two differ only where Argus main fixed 2.x: RES, and an END
// that closes again after a reopening.
type Rules int

const (
	// RulesV1 are API v1's: no RES, and a stateful incident has one END
	// (so a source's END after a reopening is stored and changes nothing,
	// D16).
	RulesV1 Rules = iota
	// RulesV2 are API v2's as Argus main serves it: sources may post RES,
	// which reopens, and END closes whenever the incident is open, so a
	// glue can run END → RES → END on one incident.
	RulesV2
)

// Postable reports whether t is a type the API knows for posting: every
// event type, RES only on v2.
func (r Rules) Postable(t EventType) bool {
	return t.Valid() && (t != EventRestart || r == RulesV2)
}

// CheckActor returns the error for an actor who may not post events of
// type t (api-v1.md §5.2 step 2, api-v2.md §5.2): source systems post STA,
// END, CHI, LES, OTH (and RES on v2); end users CLO, REO, ACK and OTH. The
// error is an *Error (ErrForbidden) on Field "type": CodeSourceCannotPost
// or CodeUserCannotPost.
func (r Rules) CheckActor(u *User, t EventType) error {
	if u.IsSourceSystem() {
		switch t {
		case EventStart, EventEnd, EventChange, EventStateless, EventOther:
			return nil
		case EventRestart:
			if r == RulesV2 {
				return nil
			}
		}
		return &Error{Kind: ErrForbidden, Code: CodeSourceCannotPost, Field: "type", Args: []any{t}}
	}
	if t != EventClose && t != EventReopen && t != EventAcknowledge && t != EventOther {
		return &Error{Kind: ErrForbidden, Code: CodeUserCannotPost, Field: "type", Args: []any{t}}
	}
	return nil
}

// CheckState returns the error for an event of type t that the
// incident's state does not allow (api-v1.md §5.2 step 3), an *Error on
// Field "type": CodeEventTypeExists, CodeIncidentClosed, CodeIncidentOpen,
// CodeIncidentStateless, CodeStatelessStart or CodeAckIsNoEvent. A stateful
// incident has one STA (and on v1 one END), a stateless one one LES and
// no STA (api-v2.md §5.2). hasType says whether the incident already has
// an event of type t (asked only where r.HasOnce(t)); now judges whether
// it is open.
func (r Rules) CheckState(i *Incident, t EventType, hasType bool, now time.Time) error {
	fail := func(code Code, args ...any) error {
		return &Error{Kind: ErrInvalid, Code: code, Field: "type", Args: args}
	}
	if i.Stateful() {
		if r.HasOnce(t) && hasType {
			return fail(CodeEventTypeExists, t)
		}
		if (t == EventEnd || t == EventClose) && !i.Open(now) {
			return fail(CodeIncidentClosed)
		}
		if (t == EventReopen || t == EventRestart) && i.Open(now) {
			return fail(CodeIncidentOpen)
		}
	} else {
		if t == EventStart {
			return fail(CodeStatelessStart)
		}
		if t == EventStateless && hasType {
			return fail(CodeEventTypeExists, t)
		}
		if t == EventEnd || t == EventClose || t == EventReopen || t == EventRestart {
			return fail(CodeIncidentStateless)
		}
	}
	if t == EventAcknowledge {
		return fail(CodeAckIsNoEvent, i.ID)
	}
	return nil
}

// HasOnce reports whether an incident may have at most one event of type
// t, so that CheckState needs to know whether it has one: STA, LES, and
// END on v1.
func (r Rules) HasOnce(t EventType) bool {
	return t == EventStart || t == EventStateless || (t == EventEnd && r == RulesV1)
}

// EndTimeAfter returns the incident's end time after an event of type t at
// timestamp has been applied (api-v1.md §5.2 step 4): END and CLO close it
// at the timestamp, REO and RES reopen it, others leave it as it was.
func EndTimeAfter(i *Incident, t EventType, timestamp time.Time) *time.Time {
	switch t {
	case EventEnd, EventClose:
		return &timestamp
	case EventReopen, EventRestart:
		inf := Infinity
		return &inf
	}
	return i.EndTime
}

// ChangeDescription is the description of the CHI event that records a
// change of an incident's attribute (api-v2.md §4.4.5):
// Change: "level": 5 → 2.
func ChangeDescription(attr, old, new string) string {
	return fmt.Sprintf("Change: %q: %s → %s", attr, old, new)
}

// TagsText renders tags as the original printed a list of them, in
// Python's notation: ['a=b', 'c=d'].
func TagsText(tags []Tag) string {
	var b []byte
	b = append(b, '[')
	for i, t := range tags {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '\'')
		b = append(b, t.String()...)
		b = append(b, '\'')
	}
	return string(append(b, ']'))
}

// MetadataText renders metadata in a change's description as the
// original did: its number of keys, "3 item(s)".
func MetadataText(m json.RawMessage) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(m, &obj) != nil {
		obj = nil
	}
	return strconv.Itoa(len(obj)) + " item(s)"
}
