package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/argus-go/argus/internal/argus"
)

// Reading the structured filter (api-v2.md §2.9.1) as Argus 2.x's
// serializer reads it: unknown keys dropped, every value checked, the
// errors of an item of a list under its index. We also check the tags'
// format, which the original did not (v2-bug-10).

// msgNotInt is DRF's refusal of a value that is no integer.
const msgNotInt = "A valid integer is required."

// blobList reads a list value: its items, or a refusal.
func blobList(x any) ([]any, string) {
	items, ok := x.([]any)
	if !ok {
		return nil, fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x))
	}
	if len(items) > maxListItems {
		return nil, fmt.Sprintf("Ensure this field has no more than %d elements.", maxListItems)
	}
	return items, ""
}

// blobInt reads an integer as DRF's IntegerField: a JSON integer or
// integral text.
func blobInt(x any) (int64, bool) {
	switch v := x.(type) {
	case json.Number:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(v.String(), 64)
			if ferr != nil || f != float64(int64(f)) {
				return 0, false
			}
			return int64(f), true
		}
		return n, true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// parseBlob reads a filter blob from a decoded JSON object, recording the
// refusals in errs keyed by blob key.
func parseBlob(obj map[string]any, errs FieldErrors) argus.FilterBlob {
	b := argus.FilterBlob{Stored: argus.KeyHideClosedAcked}
	itemErrs := func(key string, bad map[string][]string) {
		if len(bad) > 0 {
			errs.Nested(key, bad)
		}
	}
	if x, ok := obj["sourceSystemIds"]; ok {
		b.Stored |= argus.KeySourceIDs
		if items, msg := blobList(x); msg != "" {
			errs.Add("sourceSystemIds", msg)
		} else {
			bad := map[string][]string{}
			for i, item := range items {
				n, ok := blobInt(item)
				switch {
				case !ok:
					bad[strconv.Itoa(i)] = []string{msgNotInt}
				case n < 1:
					bad[strconv.Itoa(i)] = []string{"Ensure this value is greater than or equal to 1."}
				default:
					b.SourceIDs = append(b.SourceIDs, n)
				}
			}
			itemErrs("sourceSystemIds", bad)
		}
	}
	strList := func(key string, check func(i int, s string) string) {
		items, msg := blobList(obj[key])
		if msg != "" {
			errs.Add(key, msg)
			return
		}
		bad := map[string][]string{}
		for i, item := range items {
			s, isString := item.(string)
			if !isString {
				bad[strconv.Itoa(i)] = []string{msgNotString}
				continue
			}
			if m := check(i, s); m != "" {
				bad[strconv.Itoa(i)] = []string{m}
			}
		}
		itemErrs(key, bad)
	}
	if _, ok := obj["source_types"]; ok {
		b.Stored |= argus.KeySourceTypes
		strList("source_types", func(_ int, s string) string {
			if strings.ContainsRune(s, 0) {
				return msgNullCharacters
			}
			if utf8.RuneCountInString(s) > MaxIdentifierLength {
				return msgMaxLength(MaxIdentifierLength)
			}
			b.SourceTypes = append(b.SourceTypes, s)
			return ""
		})
	}
	if _, ok := obj["tags"]; ok {
		b.Stored |= argus.KeyTags
		strList("tags", func(_ int, s string) string {
			if utf8.RuneCountInString(s) < 3 {
				return "Ensure this field has at least 3 characters."
			}
			t, err := argus.ParseTagQuery(s)
			if err != nil {
				return wordsOf(v2, err)[0]
			}
			b.Tags = append(b.Tags, t)
			return ""
		})
	}
	if _, ok := obj["event_types"]; ok {
		b.Stored |= argus.KeyEventTypes
		strList("event_types", func(_ int, s string) string {
			if !argus.EventType(s).Valid() {
				return InvalidChoice(s)
			}
			b.EventTypes = append(b.EventTypes, argus.EventType(s))
			return ""
		})
	}
	for _, tri := range []struct {
		key string
		bit argus.BlobKeys
		dst **bool
	}{{"open", argus.KeyOpen, &b.Open}, {"acked", argus.KeyAcked, &b.Acked}, {"stateful", argus.KeyStateful, &b.Stateful}} {
		x, ok := obj[tri.key]
		if !ok {
			continue
		}
		b.Stored |= tri.bit
		if x == nil {
			continue
		}
		if v, ok := BoolValue(x); ok {
			*tri.dst = &v
		} else {
			errs.Add(tri.key, msgNotBool)
		}
	}
	if x, ok := obj["maxlevel"]; ok {
		b.Stored |= argus.KeyMaxLevel
		if x != nil {
			n, ok := blobInt(x)
			switch {
			case !ok:
				errs.Add("maxlevel", msgNotInt)
			case n > argus.MaxLevel:
				errs.Add("maxlevel", fmt.Sprintf("Ensure this value is less than or equal to %d.", argus.MaxLevel))
			case n < argus.MinLevel:
				errs.Add("maxlevel", fmt.Sprintf("Ensure this value is greater than or equal to %d.", argus.MinLevel))
			default:
				b.MaxLevel = int(n)
			}
		}
	}
	if x, ok := obj["hide_closed_acked"]; ok {
		if v, ok := BoolValue(x); ok && x != nil {
			b.HideClosedAcked = v
		} else if x == nil {
			errs.Add("hide_closed_acked", msgNotNull)
		} else {
			errs.Add("hide_closed_acked", msgNotBool)
		}
	}
	return b
}

// filterBlob reads the blob under key of a body: an object, whose
// refusals nest under key.
func (b Body) filterBlob(errs FieldErrors, key string, required bool) (argus.FilterBlob, bool) {
	data, present := b[key]
	if !present {
		if required {
			errs.Add(key, msgFieldRequired)
		}
		return argus.FilterBlob{}, false
	}
	x, _ := raw(data)
	obj, ok := x.(map[string]any)
	if !ok {
		if x == nil {
			errs.Add(key, msgNotNull)
		} else {
			errs.Add(key, fmt.Sprintf("Expected a dictionary of items but got type %q.", pyTypeName(x)))
		}
		return argus.FilterBlob{}, false
	}
	nested := FieldErrors{}
	blob := parseBlob(obj, nested)
	if len(nested) > 0 {
		errs.Nested(key, nested)
		return blob, false
	}
	return blob, true
}

// bodyBlob reads a whole body as a blob (preview/): refusals at the top.
func bodyBlob(b Body) (argus.FilterBlob, error) {
	obj := make(map[string]any, len(b))
	for k, v := range b {
		x, err := raw(v)
		if err != nil {
			return argus.FilterBlob{}, err
		}
		obj[k] = x
	}
	errs := FieldErrors{}
	blob := parseBlob(obj, errs)
	return blob, errs.Err()
}
