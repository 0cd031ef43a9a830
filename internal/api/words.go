package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// This file words the domain's refusals (argus.Error) as the original's
// API v1 did: the message text and the DRF body shape of each code. It is
// the only place where a code becomes text on v1.

// message is the original's text for a refusal. u is the caller, whom
// some messages name; it may be nil.
func message(e *argus.Error, u *argus.User) string {
	switch e.Code {
	case argus.CodeRequired:
		return msgFieldRequired
	case argus.CodeBlank:
		return msgNotBlank
	case argus.CodeNullCharacters:
		return msgNullCharacters
	case argus.CodeTooLong:
		return msgMaxLength(intArg(e, 0))
	case argus.CodeInvalidChoice:
		return "Select a valid choice. That choice is not one of the available choices."
	case argus.CodeUnknownReference:
		return fmt.Sprintf("Invalid pk \"%v\" - object does not exist.", arg(e, 0))

	case argus.CodeInvalidUsername:
		return "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	case argus.CodeUsernameTaken:
		return "A user with that username already exists."
	case argus.CodeNotLowercase:
		return fmt.Sprintf("'%v' is not a lowercase string", arg(e, 0))
	case argus.CodeSourceTypeTaken:
		return "source system type with this name already exists."
	case argus.CodeSourceTaken:
		if e.Field == "name" { // a rename: the serializer's unique-together check
			return "The fields name, type must make a unique set."
		}
		return "Source system with this Name and Type already exists." // the add-source form
	case argus.CodeNameTaken:
		username := ""
		if u != nil {
			username = u.Username
		}
		return fmt.Sprintf("%s with the name '%v' already exists for the user %s.", e.Model, arg(e, 0), username)
	case argus.CodeProfileTaken:
		return fmt.Sprintf("NotificationProfile with Timeslot with pk=%v already exists.", arg(e, 0))
	case argus.CodeDuplicateIncident:
		return "An incident with this source and source_incident_id already exists."

	case argus.CodeTagNoDelimiter:
		return "The tag must contain an equality sign (=) delimiter."
	case argus.CodeTagEmptyKey:
		return "The tag's key must not be empty"
	case argus.CodeTagBadKey:
		return "Enter a valid key consisting of lowercase letters, numbers and underscores."
	case argus.CodeTagQuery:
		return `Enter a valid key-value construct: "key=value", where key and value are strings.`
	case argus.CodeTagNotYours:
		return "Cannot remove this tag when you're not the one who added it."

	// The first three filter messages are the original validator's; the
	// type messages are ours, because the original did not check the
	// values at all and broke later.
	case argus.CodeFilterJSON:
		return fmt.Sprintf("Invalid JSON: %v", arg(e, 0))
	case argus.CodeFilterNotObject:
		return "The filter must be a JSON object."
	case argus.CodeFilterNoKnownKey:
		return "No known fieldnames in filterstring."
	case argus.CodeFilterMissingKeys:
		return "Filterstring is missing fieldname(s): " + strings.Join(stringsArg(e, 0), ", ")
	case argus.CodeFilterUnknownKeys:
		return "Unknown fieldname(s) in filterstring: " + strings.Join(stringsArg(e, 0), ", ")
	case argus.CodeFilterSourceIDs:
		return "sourceSystemIds must be a list of source system ids (integers)."
	case argus.CodeFilterTags:
		return `tags must be a list of "key=value" strings.`
	case argus.CodeFilterTag:
		inner := &argus.Error{Kind: argus.ErrInvalid}
		if len(e.Args) > 1 {
			inner.Code, _ = e.Args[1].(argus.Code)
			inner.Args = e.Args[2:]
		}
		return fmt.Sprintf(`Invalid tag "%v": %s`, arg(e, 0), message(inner, u))

	case argus.CodeSourceCannotPost:
		return fmt.Sprintf("A source system cannot post events of type '%v'.", arg(e, 0))
	case argus.CodeUserCannotPost:
		return fmt.Sprintf("An end user cannot post events of type '%v'.", arg(e, 0))
	case argus.CodeSourceCannotAck:
		return "A source system cannot post acknowledgements."
	case argus.CodeEventTypeExists:
		return fmt.Sprintf("The incident already has a related event of type '%v'.", arg(e, 0))
	case argus.CodeIncidentClosed:
		return "The incident is already closed."
	case argus.CodeIncidentOpen:
		return "The incident is already open."
	case argus.CodeIncidentStateless:
		return "Cannot change the state of a stateless incident."
	case argus.CodeStatelessStart:
		return "Stateless incident cannot have an INCIDENT_START event."
	case argus.CodeAckIsNoEvent:
		return fmt.Sprintf("Acknowledgements of this incidents should be posted through /api/v1/incidents/%v/acks/.", arg(e, 0))

	case argus.CodeEndBeforeStart:
		return "'end_time' cannot be before 'start_time'."
	case argus.CodeExpirationNotAfterEvent:
		return "'expiration' must be after 'event.timestamp'."
	case argus.CodeExpirationPast:
		now, _ := arg(e, 0).(time.Time)
		return fmt.Sprintf("'expiration' must be later than current moment (%s) or null.", pythonTime(now))
	case argus.CodeAckExpired:
		return "Cannot change expired Acknowledgement"
	case argus.CodeDestinationManaged:
		return "Cannot delete this destination since it was defined by an outside source."
	case argus.CodeDestinationInUse:
		return "Cannot delete this destination since it is in use in the notification profile(s): " +
			strings.Join(stringsArg(e, 0), ", ") + "."
	case argus.CodeDuplicateAddress:
		if e.Field == "phone_number" {
			return "Phone number already exists"
		}
		return "Email address already exists"
	case argus.CodeAccountEmail:
		return "This email address is already registered in another destination."
	case argus.CodeMediumFixed:
		return "Media cannot be updated, only settings."
	case argus.CodeLabelTaken:
		return "A destination with this medium and label already exists"
	case argus.CodeNotInstalled:
		return fmt.Sprintf("Medium \"%v\" is not installed.", arg(e, 0))
	case argus.CodeTimeslotNotYours:
		return "The user of 'timeslot' must be the same as the requesting user."
	case argus.CodeProfileNameTaken:
		return "The requesting user already has a profile with that name."
	case argus.CodeSourceNeedsSuperuser:
		return "You must be a superuser to be allowed to specify the 'source' field."
	case argus.CodeNoSuchSource:
		return fmt.Sprintf("SourceSystem with pk=%v does not exist.", arg(e, 0))
	case argus.CodeNoSourceOfCaller:
		return "The requesting user must have a connected source system."
	}
	switch {
	case e.Kind == argus.ErrNotFound:
		return msgNotFound
	case e.Kind == argus.ErrForbidden:
		return msgForbidden
	}
	return "Invalid input."
}

// shape is how the original laid out a refusal's body (api-v1.md §1).
type shape int

const (
	// shapeFields is (a): {"field": ["message"]}, "non_field_errors" for
	// the input as a whole.
	shapeFields shape = iota
	// shapeList is (c): ["message"], raised from a view.
	shapeList
	// shapeDetail is (d): {"field": "message"}.
	shapeDetail
	// shapeStatus is {"detail": "message"} with the kind's own status
	// (404, 403).
	shapeStatus
)

// shapeOf is the layout of a refusal on v1.
func shapeOf(e *argus.Error) shape {
	switch e.Code {
	case argus.CodeNameTaken, argus.CodeProfileTaken, argus.CodeDuplicateIncident, argus.CodeAckExpired,
		argus.CodeDestinationManaged, argus.CodeDestinationInUse,
		argus.CodeSourceNeedsSuperuser, argus.CodeNoSourceOfCaller, argus.CodeNoSuchSource:
		return shapeList
	case argus.CodeSourceCannotPost, argus.CodeUserCannotPost, argus.CodeSourceCannotAck,
		argus.CodeEventTypeExists, argus.CodeIncidentClosed, argus.CodeIncidentOpen,
		argus.CodeIncidentStateless, argus.CodeStatelessStart, argus.CodeAckIsNoEvent, argus.CodeTagNotYours:
		return shapeDetail
	case "", argus.CodeSourceNotYours, argus.CodeSuperuserOnly:
		if e.Kind == argus.ErrNotFound || e.Kind == argus.ErrForbidden {
			return shapeStatus
		}
	}
	return shapeFields
}

// fieldKey is the key a refusal goes under in shapes (a) and (d).
func fieldKey(e *argus.Error) string {
	switch {
	case e.Code == argus.CodeSourceTaken && e.Field == "":
		return "__all__" // the add-source form was a Django form
	case e.Code == argus.CodeSourceTaken:
		return "non_field_errors" // a rename: the serializer's check of both fields
	case e.Field != "":
		return e.Field
	}
	return "non_field_errors"
}

// refusalBody is the status and body of the refusals of one request on
// v1, laid out in the shape of the first (the refusals of one input share
// one).
func refusalBody(es []*argus.Error, u *argus.User) (int, any) {
	return layOut(es, u, message, shapeOf)
}

// layOut lays refusals out in the shape of the first, each worded by msg.
func layOut(es []*argus.Error, u *argus.User, msg func(*argus.Error, *argus.User) string, shapeOf func(*argus.Error) shape) (int, any) {
	switch shapeOf(es[0]) {
	case shapeStatus:
		status := http.StatusNotFound
		if es[0].Kind == argus.ErrForbidden {
			status = http.StatusForbidden
		}
		return status, detailBody{msg(es[0], u)}
	case shapeList:
		list := make(ListError, len(es))
		for i, e := range es {
			list[i] = msg(e, u)
		}
		return http.StatusBadRequest, list
	case shapeDetail:
		d := DetailError{}
		for _, e := range es {
			d[fieldKey(e)] = msg(e, u)
		}
		return http.StatusBadRequest, d
	}
	return http.StatusBadRequest, fieldsOf(es, u, msg)
}

// refusalFields lays refusals out in shape (a), worded as on v1.
func refusalFields(es []*argus.Error, u *argus.User) FieldErrors {
	return fieldsOf(es, u, message)
}

// fieldsOf lays refusals out in shape (a), each worded by msg. The
// add-source form named the username field once more inside its
// messages.
func fieldsOf(es []*argus.Error, u *argus.User, msg func(*argus.Error, *argus.User) string) FieldErrors {
	f := FieldErrors{}
	for _, e := range es {
		m := msg(e, u)
		if e.Field == "username" && e.Model == "SourceSystem" {
			m = "username: " + m
		}
		f.Add(fieldKey(e), m)
	}
	return f
}

// messages words each refusal err carries; err's own text when it
// carries none.
func messages(err error) []string {
	es := argus.Refusals(err)
	if es == nil {
		return []string{err.Error()}
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = message(e, nil)
	}
	return out
}

// pythonTime prints t as Python's str() prints an aware datetime, in UTC
// as Django's clock gives it: 2026-06-01 10:00:00.250000+00:00.
func pythonTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02 15:04:05.000000-07:00")
	}
	return t.Format("2006-01-02 15:04:05-07:00")
}

func arg(e *argus.Error, i int) any {
	if i < len(e.Args) {
		return e.Args[i]
	}
	return ""
}

func intArg(e *argus.Error, i int) int {
	n, _ := arg(e, i).(int)
	return n
}

func stringsArg(e *argus.Error, i int) []string {
	s, _ := arg(e, i).([]string)
	return s
}

// Describe words the refusals err carries for a terminal, each message
// after its field as the API would place it; any other error is its own
// text. The command line shares the API's wording this way.
func Describe(err error) string {
	es := argus.Refusals(err)
	if es == nil {
		return err.Error()
	}
	return strings.TrimPrefix(refusalFields(es, nil).Error(), "invalid input: ")
}
