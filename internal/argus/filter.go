package argus

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
)

// The two keys of a filter_string, in the order messages name them.
const (
	filterKeySources = "sourceSystemIds"
	filterKeyTags    = "tags"
)

// FilterSpec is a parsed filter_string (api-v1.md §2.11): sources and tags.
type FilterSpec struct {
	SourceIDs []int64
	Tags      []Tag
}

// ParseFilterSpec parses a filter_string JSON document. It must be a JSON
// object with exactly the keys "sourceSystemIds" (a list of source pks:
// JSON integers ≥ 1) and "tags" (a list of strings each valid for
// ParseTagQuery). Duplicates are kept as given; on success both lists are
// non-nil and the error nil.
//
// On failure the error is an Errors, in this order: invalid JSON gives
// the one refusal CodeFilterJSON; a document that is not an object gives
// CodeFilterNotObject; otherwise the refusals of ParseFilterObject.
func ParseFilterSpec(data []byte) (FilterSpec, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return FilterSpec{}, Errors{Invalid("", CodeFilterJSON, err.Error())}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return FilterSpec{}, Errors{Invalid("", CodeFilterNotObject)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		// Unreachable for a valid JSON object; kept so that no error is
		// dropped.
		return FilterSpec{}, Errors{Invalid("", CodeFilterJSON, err.Error())}
	}
	return ParseFilterObject(obj)
}

// ParseFilterObject is ParseFilterSpec for an already-decoded JSON object
// (the filterpreview body). Its refusals, in this order:
//
//   - no known key: CodeFilterNoKnownKey;
//   - missing keys: CodeFilterMissingKeys with the missing ones, in the
//     order sourceSystemIds, tags;
//   - unknown keys: CodeFilterUnknownKeys with them, sorted;
//
// and, only when the key set is exactly right, the type refusals:
// CodeFilterSourceIDs when sourceSystemIds is not a list of integers ≥ 1
// (JSON integers: 1.0 and "1" are refused), CodeFilterTags when tags is
// not a list of strings, and otherwise CodeFilterTag for each tag string
// that fails ParseTagQuery (the tag cut to 50 characters, and the code
// ParseTagQuery gave with its arguments).
func ParseFilterObject(obj map[string]json.RawMessage) (FilterSpec, error) {
	var errs Errors
	_, hasSources := obj[filterKeySources]
	_, hasTags := obj[filterKeyTags]
	if !hasSources && !hasTags {
		errs.Add(Invalid("", CodeFilterNoKnownKey))
	}
	var missing []string
	if !hasSources {
		missing = append(missing, filterKeySources)
	}
	if !hasTags {
		missing = append(missing, filterKeyTags)
	}
	if len(missing) > 0 {
		errs.Add(Invalid("", CodeFilterMissingKeys, missing))
	}
	var unknown []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k != filterKeySources && k != filterKeyTags {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		errs.Add(Invalid("", CodeFilterUnknownKeys, unknown))
	}
	if len(errs) > 0 {
		return FilterSpec{}, errs
	}

	spec := FilterSpec{SourceIDs: []int64{}, Tags: []Tag{}}
	if ids, ok := parseSourceIDs(obj[filterKeySources]); ok {
		spec.SourceIDs = ids
	} else {
		errs.Add(Invalid("", CodeFilterSourceIDs))
	}
	if strs, ok := parseStrings(obj[filterKeyTags]); ok {
		for _, s := range strs {
			tag, err := ParseTagQuery(s)
			if err == nil {
				spec.Tags = append(spec.Tags, tag)
				continue
			}
			var te *Error
			if !errors.As(err, &te) {
				return FilterSpec{}, err
			}
			errs.Add(Invalid("", CodeFilterTag, append([]any{Shorten(s, 50), te.Code}, te.Args...)...))
		}
	} else {
		errs.Add(Invalid("", CodeFilterTags))
	}
	if len(errs) > 0 {
		return FilterSpec{}, errs
	}
	return spec, nil
}

// jsonList splits a JSON array into its elements, each trimmed of
// surrounding whitespace. null and non-arrays are not lists.
func jsonList(raw json.RawMessage) ([]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	for i := range items {
		items[i] = bytes.TrimSpace(items[i])
	}
	return items, true
}

// parseStrings reads a JSON list of strings.
func parseStrings(raw json.RawMessage) ([]string, bool) {
	items, ok := jsonList(raw)
	if !ok {
		return nil, false
	}
	strs := make([]string, len(items))
	for i, item := range items {
		if len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &strs[i]) != nil {
			return nil, false
		}
	}
	return strs, true
}

// parseSourceIDs reads a JSON list of integers ≥ 1 that fit in an int64.
func parseSourceIDs(raw json.RawMessage) ([]int64, bool) {
	items, ok := jsonList(raw)
	if !ok {
		return nil, false
	}
	ids := make([]int64, 0, len(items))
	for _, item := range items {
		// A JSON number without fraction or exponent is exactly what
		// ParseInt accepts, given that the document is valid JSON.
		id, err := strconv.ParseInt(string(item), 10, 64)
		if err != nil || id < 1 {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// String renders the spec as the canonical filter_string,
// {"sourceSystemIds": [1, 2], "tags": ["object=box1"]}: both keys always
// present, lists never null, separated as Python's json.dumps does, and
// non-ASCII and HTML characters left unescaped.
func (f FilterSpec) String() string {
	var b bytes.Buffer
	b.WriteString(`{"sourceSystemIds": [`)
	for i, id := range f.SourceIDs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(`], "tags": [`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i, t := range f.Tags {
		if i > 0 {
			b.WriteString(", ")
		}
		// Encoding a string cannot fail; Encode appends a newline.
		_ = enc.Encode(t.String())
		b.Truncate(b.Len() - 1)
	}
	b.WriteString("]}")
	return b.String()
}

// Matches reports whether the incident fits the filter (D8): an empty
// SourceIDs means any source, otherwise inc.Source.ID must be in it; Tags
// are grouped by key, values OR-ed within a key and keys AND-ed, matched
// exactly against inc.Tags; a filter whose two lists are both empty
// matches nothing. It allocates nothing.
func (f FilterSpec) Matches(inc *Incident) bool {
	if len(f.SourceIDs) == 0 && len(f.Tags) == 0 {
		return false
	}
	if len(f.SourceIDs) > 0 && !slices.Contains(f.SourceIDs, inc.Source.ID) {
		return false
	}
	for i, ft := range f.Tags {
		if keySeenBefore(f.Tags[:i], ft.Key) {
			continue // this key's group has been checked
		}
		if !groupFits(f.Tags[i:], ft.Key, inc.Tags) {
			return false
		}
	}
	return true
}

// keySeenBefore reports whether a tag in tags has the key.
func keySeenBefore(tags []Tag, key string) bool {
	for _, t := range tags {
		if t.Key == key {
			return true
		}
	}
	return false
}

// groupFits reports whether the incident has one of the values that tags
// list for key.
func groupFits(tags []Tag, key string, have []TagRelation) bool {
	for _, t := range tags {
		if t.Key != key {
			continue
		}
		for _, r := range have {
			if r.Tag == t {
				return true
			}
		}
	}
	return false
}

// TheBlob is the filter's blob; a filter given only as a v1 Spec (its
// Blob.Stored is 0) is that spec's blob.
func (f *Filter) TheBlob() FilterBlob {
	if f.Blob.Stored == 0 {
		return f.Spec.Blob()
	}
	return f.Blob
}

// Filter is a user's named filter (api-v1.md §2.11, api-v2.md §2.9); a
// public one is listed for, and usable by, everyone.
type Filter struct {
	ID     int64
	UserID int64
	Name   string
	// Blob is the filter (D28); Spec is what API v1 shows of it, its
	// sources and tags (D27).
	Blob   FilterBlob
	Spec   FilterSpec
	Public bool
}
