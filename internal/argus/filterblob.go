package argus

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// FilterBlob is the structured filter of Argus 2.x (api-v2.md §2.9.1):
// every key optional. The one matcher decides with it for listing and for
// dispatch alike (D28); a v1 filter_string is its two-key subset (D27).
type FilterBlob struct {
	SourceIDs   []int64
	SourceTypes []string
	Tags        []Tag
	EventTypes  []EventType
	// Open, Acked and Stateful are tri-states: nil does not filter.
	Open, Acked, Stateful *bool
	// MaxLevel keeps incidents of this level or a more severe one; 0
	// does not filter.
	MaxLevel        int
	HideClosedAcked bool
	// Stored says which keys the stored form holds: the keys that were
	// sent, and KeyHideClosedAcked always, which is how a blob is told
	// from none (Stored == 0).
	Stored BlobKeys
}

// BlobKeys is a set of a FilterBlob's keys.
type BlobKeys uint16

// The keys of a filter blob.
const (
	KeySourceIDs BlobKeys = 1 << iota
	KeySourceTypes
	KeyTags
	KeyEventTypes
	KeyOpen
	KeyAcked
	KeyStateful
	KeyMaxLevel
	KeyHideClosedAcked
)

// The blob's keys as Argus names them.
const (
	blobSourceIDs       = "sourceSystemIds"
	blobSourceTypes     = "source_types"
	blobTags            = "tags"
	blobEventTypes      = "event_types"
	blobOpen            = "open"
	blobAcked           = "acked"
	blobStateful        = "stateful"
	blobMaxLevel        = "maxlevel"
	blobHideClosedAcked = "hide_closed_acked"
)

// Blob is the filter blob of a v1 filter: its sources and tags, both
// stored (D27).
func (f FilterSpec) Blob() FilterBlob {
	return FilterBlob{SourceIDs: slices.Clone(f.SourceIDs), Tags: slices.Clone(f.Tags), Stored: KeySourceIDs | KeyTags | KeyHideClosedAcked}
}

// Spec is what API v1 shows of the blob: its sources and tags, missing
// lists as empty ones (D27).
func (b FilterBlob) Spec() FilterSpec {
	spec := FilterSpec{SourceIDs: slices.Clone(b.SourceIDs), Tags: slices.Clone(b.Tags)}
	if spec.SourceIDs == nil {
		spec.SourceIDs = []int64{}
	}
	if spec.Tags == nil {
		spec.Tags = []Tag{}
	}
	return spec
}

// WithSpec is b with its sources and tags replaced by spec's, as a v1
// write of a filter_string does; the other keys stay (D27).
func (b FilterBlob) WithSpec(spec FilterSpec) FilterBlob {
	b.SourceIDs, b.Tags = slices.Clone(spec.SourceIDs), slices.Clone(spec.Tags)
	b.Stored |= KeySourceIDs | KeyTags | KeyHideClosedAcked
	return b
}

func tagStrings(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

func typeStrings(types []EventType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Output is the blob as the API shows it (api-v2.md §2.9.1): always open,
// acked, stateful, maxlevel (null when unset) and hide_closed_acked; the
// list keys when stored.
func (b FilterBlob) Output() map[string]any {
	out := map[string]any{blobOpen: b.Open, blobAcked: b.Acked, blobStateful: b.Stateful, blobMaxLevel: nil,
		blobHideClosedAcked: b.HideClosedAcked}
	if b.MaxLevel != 0 {
		out[blobMaxLevel] = b.MaxLevel
	}
	if b.Stored&KeySourceIDs != 0 {
		out[blobSourceIDs] = nonNil(b.SourceIDs)
	}
	if b.Stored&KeySourceTypes != 0 {
		out[blobSourceTypes] = nonNil(b.SourceTypes)
	}
	if b.Stored&KeyTags != 0 {
		out[blobTags] = tagStrings(b.Tags)
	}
	if b.Stored&KeyEventTypes != 0 {
		out[blobEventTypes] = typeStrings(b.EventTypes)
	}
	return out
}

// MarshalStored is the blob's stored form: the keys it holds, and
// hide_closed_acked.
func (b FilterBlob) MarshalStored() []byte {
	out := map[string]any{blobHideClosedAcked: b.HideClosedAcked}
	if b.Stored&KeySourceIDs != 0 {
		out[blobSourceIDs] = nonNil(b.SourceIDs)
	}
	if b.Stored&KeySourceTypes != 0 {
		out[blobSourceTypes] = nonNil(b.SourceTypes)
	}
	if b.Stored&KeyTags != 0 {
		out[blobTags] = tagStrings(b.Tags)
	}
	if b.Stored&KeyEventTypes != 0 {
		out[blobEventTypes] = typeStrings(b.EventTypes)
	}
	if b.Stored&KeyOpen != 0 {
		out[blobOpen] = b.Open
	}
	if b.Stored&KeyAcked != 0 {
		out[blobAcked] = b.Acked
	}
	if b.Stored&KeyStateful != 0 {
		out[blobStateful] = b.Stateful
	}
	if b.Stored&KeyMaxLevel != 0 {
		if b.MaxLevel == 0 {
			out[blobMaxLevel] = nil
		} else {
			out[blobMaxLevel] = b.MaxLevel
		}
	}
	data, _ := json.Marshal(out) // a map of plain values always encodes
	return data
}

// ParseStoredBlob reads a stored blob. Values of the wrong type, which
// only data from elsewhere may hold, are left out: a filter that is all
// wrong matches nothing (D8).
func ParseStoredBlob(data []byte) FilterBlob {
	var raw map[string]json.RawMessage
	b := FilterBlob{Stored: KeyHideClosedAcked}
	if json.Unmarshal(data, &raw) != nil {
		return b
	}
	if v, ok := raw[blobSourceIDs]; ok {
		b.Stored |= KeySourceIDs
		if ids, ok := parseSourceIDs(v); ok {
			b.SourceIDs = ids
		}
	}
	if v, ok := raw[blobSourceTypes]; ok {
		b.Stored |= KeySourceTypes
		_ = json.Unmarshal(v, &b.SourceTypes) // a wrong type leaves it empty
	}
	if v, ok := raw[blobTags]; ok {
		b.Stored |= KeyTags
		strs, _ := parseStrings(v)
		for _, s := range strs {
			if t, err := ParseTagQuery(s); err == nil {
				b.Tags = append(b.Tags, t)
			}
		}
	}
	if v, ok := raw[blobEventTypes]; ok {
		b.Stored |= KeyEventTypes
		strs, _ := parseStrings(v)
		for _, s := range strs {
			if EventType(s).Valid() {
				b.EventTypes = append(b.EventTypes, EventType(s))
			}
		}
	}
	for _, tri := range []struct {
		key string
		bit BlobKeys
		dst **bool
	}{{blobOpen, KeyOpen, &b.Open}, {blobAcked, KeyAcked, &b.Acked}, {blobStateful, KeyStateful, &b.Stateful}} {
		if v, ok := raw[tri.key]; ok {
			b.Stored |= tri.bit
			_ = json.Unmarshal(v, tri.dst) // null and wrong types leave it unset
		}
	}
	if v, ok := raw[blobMaxLevel]; ok {
		b.Stored |= KeyMaxLevel
		if n, err := strconv.Atoi(string(v)); err == nil && MinLevel <= n && n <= MaxLevel {
			b.MaxLevel = n
		}
	}
	if v, ok := raw[blobHideClosedAcked]; ok {
		_ = json.Unmarshal(v, &b.HideClosedAcked) // a wrong type leaves it false
	}
	return b
}

// Empty reports whether every key is unset: such a filter matches
// nothing (D28).
func (b *FilterBlob) Empty() bool {
	return len(b.SourceIDs) == 0 && len(b.SourceTypes) == 0 && len(b.Tags) == 0 && len(b.EventTypes) == 0 &&
		b.Open == nil && b.Acked == nil && b.Stateful == nil && b.MaxLevel == 0 && !b.HideClosedAcked
}

// falsy is the original's test of a key the fallback fills: missing, null
// or false.
func falsy(p *bool) bool { return p == nil || !*p }

// WithFallback is b with every key but event_types that is falsy in b —
// missing, null, empty, false or 0 — taken from fb where fb has a value
// (ARGUS_FALLBACK_FILTER, api-v2.md §5.3): an explicit "open": false
// gives way to a fallback's "open". In the one matcher, so a preview
// shows it too (D28).
func (b FilterBlob) WithFallback(fb FilterBlob) FilterBlob {
	if len(b.SourceIDs) == 0 && len(fb.SourceIDs) > 0 {
		b.SourceIDs = fb.SourceIDs
	}
	if len(b.SourceTypes) == 0 && len(fb.SourceTypes) > 0 {
		b.SourceTypes = fb.SourceTypes
	}
	if len(b.Tags) == 0 && len(fb.Tags) > 0 {
		b.Tags = fb.Tags
	}
	for _, tri := range []struct{ dst, src **bool }{{&b.Open, &fb.Open}, {&b.Acked, &fb.Acked}, {&b.Stateful, &fb.Stateful}} {
		if falsy(*tri.dst) && *tri.src != nil {
			*tri.dst = *tri.src
		}
	}
	if b.MaxLevel == 0 {
		b.MaxLevel = fb.MaxLevel
	}
	if !b.HideClosedAcked {
		b.HideClosedAcked = fb.HideClosedAcked
	}
	return b
}

// Matches reports whether the incident fits the blob (D28): its source
// among sourceSystemIds and its source type among source_types (when
// listed); for each tag key listed, one of its values on the incident;
// open, acked and stateful equal to the incident's (stateless incidents
// are not open); its level at most maxlevel; not closed and acked when
// hide_closed_acked; and with event_types, the event being notified of
// one of them — or, with no event (listing), some event of the incident
// of one of them, as hasEventOfTypes says. now judges whether the
// incident is open. An Empty blob matches nothing.
func (b *FilterBlob) Matches(inc *Incident, ev *Event, now time.Time, hasEventOfTypes func([]EventType) bool) bool {
	if b.Empty() {
		return false
	}
	if len(b.SourceIDs) > 0 && !slices.Contains(b.SourceIDs, inc.Source.ID) {
		return false
	}
	if len(b.SourceTypes) > 0 && !slices.Contains(b.SourceTypes, inc.Source.Type) {
		return false
	}
	for i, ft := range b.Tags {
		if keySeenBefore(b.Tags[:i], ft.Key) {
			continue
		}
		if !groupFits(b.Tags[i:], ft.Key, inc.Tags) {
			return false
		}
	}
	open := inc.Open(now)
	if b.Open != nil && *b.Open != open || b.Acked != nil && *b.Acked != inc.Acked ||
		b.Stateful != nil && *b.Stateful != inc.Stateful() {
		return false
	}
	if b.MaxLevel != 0 && inc.Level > b.MaxLevel {
		return false
	}
	if b.HideClosedAcked && inc.Stateful() && !open && inc.Acked {
		return false
	}
	if len(b.EventTypes) > 0 {
		if ev != nil {
			return slices.Contains(b.EventTypes, ev.Type)
		}
		return hasEventOfTypes != nil && hasEventOfTypes(b.EventTypes)
	}
	return true
}
