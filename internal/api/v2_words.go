package api

import (
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// This file words the domain's refusals as Argus 2.x words them on API v2
// (api-v2.md): where its text differs from v1's; everything else is
// worded as on v1 (words.go).

// v2Message is Argus 2.x's text for a refusal.
func v2Message(e *argus.Error, u *argus.User) string {
	switch e.Code {
	case argus.CodeTagNoDelimiter:
		return "The tag does not have its delimiter: =."
	case argus.CodeTagEmptyKey:
		return "The key of the tag cannot be empty."
	case argus.CodeTagQuery:
		return `Enter a valid key-value construct: "key=value", where key and value are strings. ` +
			"The key can consist of lowercase letters, numbers and underscores."
	case argus.CodeAckIsNoEvent:
		return fmt.Sprintf("Acknowledgements of this incidents should be posted through /api/v2/incidents/%v/acks/.", arg(e, 0))
	case argus.CodeExpirationNotAfterEvent:
		return "'expiration' is earlier than creation timestamp."
	case argus.CodeNameTaken:
		if e.Model == "Timeslot" {
			username := ""
			if u != nil {
				username = u.Username
			}
			return fmt.Sprintf("The name %q is already in use for a another timeslot owned by user %s.", fmt.Sprint(arg(e, 0)), username)
		}
	case argus.CodeFilterTag:
		inner := &argus.Error{Kind: argus.ErrInvalid}
		if len(e.Args) > 1 {
			inner.Code, _ = e.Args[1].(argus.Code)
			inner.Args = e.Args[2:]
		}
		return fmt.Sprintf(`Invalid tag "%v": %s`, arg(e, 0), v2Message(inner, u))
	case "":
		// DRF ≥ 3.15 names the model of a missing object.
		if e.Kind == argus.ErrNotFound && e.Model != "" {
			return fmt.Sprintf("No %s matches the given query.", e.Model)
		}
	}
	return message(e, u)
}

// v2RefusalBody is refusalBody for API v2.
func v2RefusalBody(es []*argus.Error, u *argus.User) (int, any) {
	return layOut(es, u, v2Message, v2ShapeOf)
}

// v2ShapeOf is the layout of a refusal on v2: as on v1 but that a taken
// name is the name field's (v2-bug-4).
func v2ShapeOf(e *argus.Error) shape {
	if e.Code == argus.CodeNameTaken {
		return shapeFields
	}
	return shapeOf(e)
}

// wordsOf words each refusal err carries as the version does; err's own
// text when it carries none.
func wordsOf(v version, err error) []string {
	if v == v1 {
		return messages(err)
	}
	es := argus.Refusals(err)
	if es == nil {
		return []string{err.Error()}
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = v2Message(e, nil)
	}
	return out
}
