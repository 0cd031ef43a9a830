package api

import (
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// Length limits of text input, in characters (Unicode code points, as
// Django counts them). Where the original's model has a limit it is kept
// (api-v1.md §2); elsewhere the original stored text of any length, and
// the limit is one no real client reaches that keeps every value inside
// the databases' index limits (PostgreSQL refuses a btree entry over about
// 2.7 kB, and four bytes per character count). The README's "Limits"
// section lists them; a value over its limit answers 400
// {"<field>": ["Ensure this field has no more than N characters."]}.
const (
	// MaxUsernameLength is Django's User.username.
	MaxUsernameLength = argus.MaxUsernameLength
	// MaxPasswordLength is Django's former MAXIMUM_PASSWORD_LENGTH: a
	// passphrase fits, a megabyte for the KDF to chew on does not.
	MaxPasswordLength = 4096
	// MaxNameLength is timeslot and filter names (varchar(40)).
	MaxNameLength = 40
	// MaxIdentifierLength is for names and ids: source and source type
	// names, source_incident_id.
	MaxIdentifierLength = 255
	// MaxURLLength is for details_url, ticket_url and base_url.
	MaxURLLength = 1024
	// MaxDescriptionLength is for incident and event descriptions.
	MaxDescriptionLength = 65536
	// MaxFilterStringLength bounds a filter_string document; its lists
	// have their own bounds (maxListItems, maxTagItems).
	MaxFilterStringLength = 65536
	// MaxPhoneNumberLength is the original's PhoneNumberField.
	MaxPhoneNumberLength = 128
	// MaxEmailLength is Django's EmailField.
	MaxEmailLength = 254
	// MaxLabelLength is a destination's label.
	MaxLabelLength = 50
	// MaxIDLength bounds one id in a query parameter list: int64 has 19
	// digits and a sign.
	MaxIDLength = 20
	// MaxDateTimeLength bounds a datetime in a query parameter; the
	// longest one Django's parser accepts is well under it.
	MaxDateTimeLength = 64
	// MaxCursorLength bounds a cursor parameter: ours are under 60.
	MaxCursorLength = 256
	// MaxStatusLength bounds ?status= of the notification log.
	MaxStatusLength = 16
)

// msgMaxLength is DRF's (and Django's) message for text over max
// characters.
func msgMaxLength(max int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", max)
}
