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

// TimeOpts says how a datetime field is read.
type TimeOpts struct {
	Required bool
	// EndTime accepts "infinity" and Python's datetime.max (D7).
	EndTime bool
}

// DateTime reads a datetime field as DRF's DateTimeField: a string in ISO
// 8601 form, naive ones read in loc. A JSON null gives isNull (and an
// error unless allowed by the caller, who checks present && isNull).
func (b Body) DateTime(errs FieldErrors, key string, loc *time.Location, o TimeOpts) (t time.Time, present, isNull bool) {
	data, ok := b[key]
	if !ok {
		if o.Required {
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
		if o.EndTime {
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

// InvalidChoice is DRF's message for a value outside a choice field; a
// long value is cut short in it.
func InvalidChoice(x any) string {
	return `"` + argus.Shorten(choiceString(x), 100) + `" is not a valid choice.`
}

// EventType reads an event's "type": one of the types rules know.
func (b Body) EventType(errs FieldErrors, rules argus.Rules) argus.EventType {
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
	if t, isString := x.(string); isString && rules.Postable(argus.EventType(t)) {
		return argus.EventType(t)
	}
	errs.Add("type", InvalidChoice(x))
	return ""
}

// Level reads the incident Level (D3): 1–5 as a number or numeric string,
// default 5.
func (b Body) Level(errs FieldErrors) int {
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
		errs.Add("level", InvalidChoice(x))
		return 0
	}
	return n
}

// BoolValue reads a value as DRF's BooleanField: true, false, and their
// usual spellings in text or as 1 and 0; ok is false for anything else
// ("Must be a valid boolean.").
func BoolValue(x any) (v, ok bool) {
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
