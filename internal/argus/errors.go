package argus

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of failure. Callers wrap them with context
// (fmt.Errorf("…: %w", err)) or return an *Error of that kind; each face
// (API v1, API v2, the web UI) turns a kind into a status and words it in
// one place. Nothing below the faces knows how a refusal is worded.
var (
	// ErrInvalid means the input breaks a rule: 400 on the APIs.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound means the object does not exist or is not visible to the
	// caller: 404 ("Not found." on v1).
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the caller is known but may not do this: 403,
	// unless the code's wording on a face says otherwise.
	ErrForbidden = errors.New("permission denied")
	// ErrConflict means the object collides with an existing one (a taken
	// name): 400 on the APIs, as Django's unique validators answer.
	ErrConflict = errors.New("conflict")
)

// Code names why something was refused, so that each face can word it in
// its own way (DRF's messages on the APIs, a sentence on a web page). The
// arguments a code's message quotes travel in Error.Args, in the order
// each code's comment gives.
type Code string

// The codes. Args lists what Error.Args holds for each.
const (
	// CodeRequired: a value is missing.
	CodeRequired Code = "required"
	// CodeBlank: a text is empty or only whitespace.
	CodeBlank Code = "blank"
	// CodeNullCharacters: a text contains U+0000.
	CodeNullCharacters Code = "null_characters"
	// CodeTooLong: a text is longer than Args[0] (int) characters.
	CodeTooLong Code = "max_length"
	// CodeInvalidChoice: a value is not one of the choices (a source type
	// that does not exist).
	CodeInvalidChoice Code = "invalid_choice"
	// CodeUnknownReference: Args[0] (int64) is no pk of an object the
	// caller may refer to.
	CodeUnknownReference Code = "unknown_reference"

	// CodeInvalidUsername: a username has characters other than letters,
	// digits and @.+-_.
	CodeInvalidUsername Code = "invalid_username"
	// CodeUsernameTaken (ErrConflict): another user has the username.
	CodeUsernameTaken Code = "username_taken"
	// CodeNotLowercase: Args[0] (string), a source type name, is not
	// lowercase (Python's str.islower).
	CodeNotLowercase Code = "not_lowercase"
	// CodeSourceTypeTaken (ErrConflict): the source type exists.
	CodeSourceTypeTaken Code = "source_type_taken"
	// CodeSourceTaken (ErrConflict): a source with this name and type
	// exists.
	CodeSourceTaken Code = "source_taken"
	// CodeNameTaken (ErrConflict): the user already has a Model (a filter,
	// a timeslot) named Args[0] (string).
	CodeNameTaken Code = "name_taken"
	// CodeProfileTaken (ErrConflict): a profile already uses the timeslot
	// Args[0] (int64) (D15).
	CodeProfileTaken Code = "profile_taken"
	// CodeDuplicateIncident (ErrConflict): the source already has an
	// incident with this source_incident_id (D5).
	CodeDuplicateIncident Code = "duplicate_incident"

	// CodeTagNoDelimiter: a tag has no "=".
	CodeTagNoDelimiter Code = "tag_no_delimiter"
	// CodeTagEmptyKey: a tag's key is empty.
	CodeTagEmptyKey Code = "tag_empty_key"
	// CodeTagBadKey: a tag's key is not made of a–z, 0–9 and _.
	CodeTagBadKey Code = "tag_bad_key"
	// CodeTagQuery: a tag in a query or filter is not "key=value".
	CodeTagQuery Code = "tag_query"
	// CodeTagNotYours (ErrForbidden, Field: the tag): only whoever added a
	// tag, or a superuser, may remove it.
	CodeTagNotYours Code = "tag_not_yours"

	// CodeFilterJSON: a filter is not JSON; Args[0] (string) says why.
	CodeFilterJSON Code = "filter_json"
	// CodeFilterNotObject: a filter is not a JSON object.
	CodeFilterNotObject Code = "filter_not_object"
	// CodeFilterNoKnownKey: a filter has none of its keys.
	CodeFilterNoKnownKey Code = "filter_no_known_key"
	// CodeFilterMissingKeys: a filter lacks the keys Args[0] ([]string).
	CodeFilterMissingKeys Code = "filter_missing_keys"
	// CodeFilterUnknownKeys: a filter has the unknown keys Args[0]
	// ([]string, sorted).
	CodeFilterUnknownKeys Code = "filter_unknown_keys"
	// CodeFilterSourceIDs: a filter's source ids are not a list of pks.
	CodeFilterSourceIDs Code = "filter_source_ids"
	// CodeFilterTags: a filter's tags are not a list of strings.
	CodeFilterTags Code = "filter_tags"
	// CodeFilterTag: the filter's tag Args[0] (string, cut short) is
	// invalid for the reason Args[1] (Code: CodeTagQuery or CodeTooLong,
	// then with the limit in Args[2]).
	CodeFilterTag Code = "filter_tag"

	// CodeSourceCannotPost (Field "type"): a source system may not post
	// events of type Args[0] (EventType).
	CodeSourceCannotPost Code = "source_cannot_post"
	// CodeUserCannotPost (Field "type"): an end user may not post events of
	// type Args[0] (EventType).
	CodeUserCannotPost Code = "user_cannot_post"
	// CodeSourceCannotAck (Field "type"): source systems do not
	// acknowledge.
	CodeSourceCannotAck Code = "source_cannot_ack"
	// CodeEventTypeExists (Field "type"): the incident already has an
	// event of type Args[0] (EventType).
	CodeEventTypeExists Code = "event_type_exists"
	// CodeIncidentClosed (Field "type"): the incident is closed already.
	CodeIncidentClosed Code = "incident_closed"
	// CodeIncidentOpen (Field "type"): the incident is open already.
	CodeIncidentOpen Code = "incident_open"
	// CodeIncidentStateless (Field "type"): a stateless incident has no
	// state to change.
	CodeIncidentStateless Code = "incident_stateless"
	// CodeStatelessStart (Field "type"): a stateless incident has no
	// start event; its first event is LES (D31).
	CodeStatelessStart Code = "stateless_start"
	// CodeAckIsNoEvent (Field "type"): acknowledgements of incident Args[0]
	// (int64) are made through its acknowledgements, not as events.
	CodeAckIsNoEvent Code = "ack_is_no_event"

	// CodeEndBeforeStart: an incident's end time is before its start.
	CodeEndBeforeStart Code = "end_before_start"
	// CodeExpirationNotAfterEvent: an acknowledgement expires before or
	// when it is made.
	CodeExpirationNotAfterEvent Code = "expiration_not_after_event"

	// CodeExpirationPast (Field "expiration"): a new expiration of an
	// acknowledgement must lie after now, Args[0] (time.Time).
	CodeExpirationPast Code = "expiration_past"
	// CodeAckExpired: an acknowledgement that has expired cannot change.
	CodeAckExpired Code = "ack_expired"

	// CodeDestinationManaged: a managed destination (the account email)
	// is not deleted by hand.
	CodeDestinationManaged Code = "destination_managed"
	// CodeDestinationInUse: a destination that profiles send to is not
	// deleted; Args[0] ([]string) names them.
	CodeDestinationInUse Code = "destination_in_use"
	// CodeDuplicateAddress (Field the medium's setting key): the user has
	// a destination of this medium with this address already.
	CodeDuplicateAddress Code = "duplicate_address"
	// CodeAccountEmail: the address is the user's account email, which is
	// their managed destination already.
	CodeAccountEmail Code = "account_email"
	// CodeMediumFixed: a destination's medium does not change.
	CodeMediumFixed Code = "medium_fixed"
	// CodeLabelTaken (Field "label"): the user has a destination of this
	// medium with this label already.
	CodeLabelTaken Code = "label_taken"
	// CodeNotInstalled: medium Args[0] (string) is not installed.
	CodeNotInstalled Code = "not_installed"

	// CodeTimeslotNotYours: a profile's timeslot must be its user's.
	CodeTimeslotNotYours Code = "timeslot_not_yours"
	// CodeProfileNameTaken: the user has a profile of this name already.
	CodeProfileNameTaken Code = "profile_name_taken"

	// CodeSourceNotYours: only the source's own user and superusers may
	// change a source system.
	CodeSourceNotYours Code = "source_not_yours"
	// CodeSuperuserOnly: only superusers may do this (create a source
	// system, read the notification log).
	CodeSuperuserOnly Code = "superuser_only"
	// CodeSourceNeedsSuperuser (Field "source"): only superusers may name
	// the source of a new incident.
	CodeSourceNeedsSuperuser Code = "source_needs_superuser"
	// CodeNoSuchSource (Field "source"): no source system has the pk
	// Args[0] (int64, or the text given when it is no integer).
	CodeNoSuchSource Code = "no_such_source"
	// CodeNoSourceOfCaller: the caller has no source system to post an
	// incident for.
	CodeNoSourceOfCaller Code = "no_source_of_caller"
)

// Error is a refusal: a kind, a code saying why, and what the message
// quotes. Domain rules and the store return it; the faces word it. It
// matches its kind with errors.Is: errors.Is(err, ErrNotFound).
type Error struct {
	// Kind is ErrInvalid, ErrNotFound, ErrForbidden or ErrConflict.
	Kind error
	// Code says why; "" leaves the wording to the kind.
	Code Code
	// Field is the input field at fault, "" for the input as a whole.
	Field string
	// Model names the kind of object concerned ("Incident", "Filter"), as
	// some messages quote it.
	Model string
	// Args are the values the message quotes, as each code says.
	Args []any
}

// Error is for logs and terminals; faces word the code instead.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Model != "" {
		b.WriteString(" " + e.Model)
	}
	if e.Field != "" {
		b.WriteString(" " + e.Field)
	}
	if e.Code != "" {
		b.WriteString(": " + string(e.Code))
	}
	for i, a := range e.Args {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, a)
	}
	return b.String()
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Invalid is an ErrInvalid refusal of field for the reason code.
func Invalid(field string, code Code, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Code: code, Field: field, Args: args}
}

// Forbidden is an ErrForbidden refusal for the reason code.
func Forbidden(code Code, args ...any) *Error {
	return &Error{Kind: ErrForbidden, Code: code, Args: args}
}

// Conflict is an ErrConflict refusal of a model's field for the reason
// code.
func Conflict(model, field string, code Code, args ...any) *Error {
	return &Error{Kind: ErrConflict, Code: code, Field: field, Model: model, Args: args}
}

// NotFound is an ErrNotFound for an object of the model ("Incident").
func NotFound(model string, args ...any) *Error {
	return &Error{Kind: ErrNotFound, Model: model, Args: args}
}

// Errors are several refusals of one input, reported together so that a
// client learns every problem at once. Its kind is its first refusal's.
type Errors []*Error

// Error joins the refusals.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Is reports whether one of the refusals is of kind target.
func (es Errors) Is(target error) bool {
	for _, e := range es {
		if e.Is(target) {
			return true
		}
	}
	return false
}

// Add appends a refusal.
func (es *Errors) Add(e *Error) { *es = append(*es, e) }

// Has reports whether a refusal concerns field.
func (es Errors) Has(field string) bool {
	for _, e := range es {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns es as an error, or nil when it holds nothing.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Refusals returns the refusals err carries: the Errors, or the one
// *Error, found along its chain; nil when it carries none.
func Refusals(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// HasCode reports whether err carries a refusal with the code.
func HasCode(err error, code Code) bool {
	for _, e := range Refusals(err) {
		if e.Code == code {
			return true
		}
	}
	return false
}
