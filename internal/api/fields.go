package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// raw decodes the JSON of one field, keeping numbers as json.Number.
func raw(data json.RawMessage) (any, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&x)
	return x, err
}

// timeOpts says how a datetime field is read.
type timeOpts struct {
	required bool
	// endTime accepts "infinity" and Python's datetime.max (D7).
	endTime bool
}

// dateTime reads a datetime field as DRF's DateTimeField: a string in ISO
// 8601 form, naive ones read in loc. A JSON null gives isNull (and an
// error unless allowed by the caller, who checks present && isNull).
func (b body) dateTime(errs FieldErrors, key string, loc *time.Location, o timeOpts) (t time.Time, present, isNull bool) {
	data, ok := b[key]
	if !ok {
		if o.required {
			errs.Add(key, msgFieldRequired)
		}
		return time.Time{}, false, false
	}
	x, err := raw(data)
	if err != nil {
		errs.Add(key, msgDateTimeFormat)
		return time.Time{}, true, false
	}
	if x == nil {
		return time.Time{}, true, true
	}
	s, isString := x.(string)
	if isString {
		parse := parseDateTime
		if o.endTime {
			parse = parseEndTime
		}
		if t, ok := parse(s, loc); ok {
			return t, true, false
		}
	}
	errs.Add(key, msgDateTimeFormat)
	return time.Time{}, true, false
}

// choiceString renders a JSON value as Python's str() would, for DRF's
// "\"X\" is not a valid choice." messages.
func choiceString(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	data, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(data)
}

// invalidChoice is DRF's message for a value outside a choice field; a
// long value is cut short in it.
func invalidChoice(x any) string {
	return `"` + argus.Shorten(choiceString(x), 100) + `" is not a valid choice.`
}

// eventType reads an event's "type": one of argus's event types.
func (b body) eventType(errs FieldErrors) argus.EventType {
	data, ok := b["type"]
	if !ok {
		errs.Add("type", msgFieldRequired)
		return ""
	}
	x, err := raw(data)
	if err != nil || x == nil {
		errs.Add("type", msgNotNull)
		return ""
	}
	if t, isString := x.(string); isString && argus.EventType(t).Valid() {
		return argus.EventType(t)
	}
	errs.Add("type", invalidChoice(x))
	return ""
}

// level reads the incident level (D3): 1–5 as a number or numeric string,
// default 5.
func (b body) level(errs FieldErrors) int {
	data, ok := b["level"]
	if !ok {
		return argus.DefaultLevel
	}
	x, err := raw(data)
	if err != nil || x == nil {
		errs.Add("level", msgNotNull)
		return 0
	}
	n, err := strconv.Atoi(choiceString(x))
	if err != nil || strconv.Itoa(n) != choiceString(x) || n < argus.MinLevel || n > argus.MaxLevel {
		errs.Add("level", invalidChoice(x))
		return 0
	}
	return n
}

// boolValue reads a value as DRF's BooleanField: true, false, and their
// usual spellings in text or as 1 and 0; ok is false for anything else
// ("Must be a valid boolean.").
func boolValue(x any) (v, ok bool) {
	if b, isBool := x.(bool); isBool {
		return b, true
	}
	switch choiceString(x) {
	case "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1":
		return true, true
	case "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", "0.0":
		return false, true
	}
	return false, false
}

// msgNotBool is DRF's message for a value that is not a boolean.
const msgNotBool = "Must be a valid boolean."
