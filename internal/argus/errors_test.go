package argus_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

func TestErrorKinds(t *testing.T) {
	kinds := []error{argus.ErrInvalid, argus.ErrNotFound, argus.ErrForbidden, argus.ErrConflict}
	for _, kind := range kinds {
		e := &argus.Error{Kind: kind, Code: argus.CodeBlank, Field: "name"}
		wrapped := fmt.Errorf("store: create: %w", e)
		for _, other := range kinds {
			if got, want := errors.Is(wrapped, other), other == kind; got != want {
				t.Errorf("errors.Is(%v, %v) = %v; want %v", wrapped, other, got, want)
			}
		}
		if es := argus.Refusals(wrapped); len(es) != 1 || es[0] != e {
			t.Errorf("Refusals(%v) = %v; want the one refusal", wrapped, es)
		}
	}
	if es := argus.Refusals(fmt.Errorf("store: %w", argus.ErrNotFound)); es != nil {
		t.Errorf("Refusals(a bare sentinel) = %v; want nil", es)
	}
	if es := argus.Refusals(nil); es != nil {
		t.Errorf("Refusals(nil) = %v; want nil", es)
	}
}

func TestErrors(t *testing.T) {
	var es argus.Errors
	if err := es.Err(); err != nil {
		t.Errorf("empty Errors.Err() = %v; want nil", err)
	}
	es.Add(argus.Invalid("name", argus.CodeRequired))
	es.Add(argus.Conflict("Filter", "name", argus.CodeNameTaken, "x"))
	err := fmt.Errorf("wrapped: %w", es.Err())
	if !errors.Is(err, argus.ErrInvalid) || !errors.Is(err, argus.ErrConflict) || errors.Is(err, argus.ErrNotFound) {
		t.Errorf("errors.Is on %v: want ErrInvalid and ErrConflict only", err)
	}
	if got := argus.Refusals(err); len(got) != 2 {
		t.Errorf("Refusals = %v; want both", got)
	}
	if !argus.HasCode(err, argus.CodeNameTaken) || argus.HasCode(err, argus.CodeBlank) {
		t.Errorf("HasCode on %v is wrong", err)
	}
	if !es.Has("name") || es.Has("type") {
		t.Errorf("Has on %v is wrong", es)
	}
	for _, want := range []string{"invalid name: required", "conflict Filter name: name_taken x"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Error() = %q; want it to contain %q", err.Error(), want)
		}
	}
}

// code is the one refusal's code and field.
func codeField(err error) (argus.Code, string) {
	es := argus.Refusals(err)
	if len(es) != 1 {
		return "", ""
	}
	return es[0].Code, es[0].Field
}

func TestValidateCodes(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCode  argus.Code
		wantField string
	}{
		{"username ok", argus.ValidateUsername("a.b@c+d-e_f"), "", ""},
		{"username blank", argus.ValidateUsername(""), argus.CodeBlank, "username"},
		{"username long", argus.ValidateUsername(strings.Repeat("ø", 151)), argus.CodeTooLong, "username"},
		{"username space", argus.ValidateUsername("a b"), argus.CodeInvalidUsername, "username"},
		{"type ok", argus.ValidateSourceTypeName("nav"), "", ""},
		{"type blank", argus.ValidateSourceTypeName(" "), argus.CodeBlank, "name"},
		{"type upper", argus.ValidateSourceTypeName("NAV"), argus.CodeNotLowercase, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantCode == "" {
				if tt.err != nil {
					t.Fatalf("error = %v; want nil", tt.err)
				}
				return
			}
			if c, f := codeField(tt.err); c != tt.wantCode || f != tt.wantField {
				t.Errorf("refusal = %s on %q; want %s on %q", c, f, tt.wantCode, tt.wantField)
			}
		})
	}
}

func TestEventRuleCodes(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	open := &argus.Incident{ID: 7, EndTime: new(argus.Infinity)}
	closed := &argus.Incident{ID: 7, EndTime: &past}
	stateless := &argus.Incident{ID: 7}
	source := &argus.User{ID: 1, SourceID: 3}
	person := &argus.User{ID: 2}
	tests := []struct {
		name string
		err  error
		want argus.Code
		kind error
	}{
		{"source posts CLO", argus.RulesV1.CheckActor(source, argus.EventClose), argus.CodeSourceCannotPost, argus.ErrForbidden},
		{"person posts STA", argus.RulesV1.CheckActor(person, argus.EventStart), argus.CodeUserCannotPost, argus.ErrForbidden},
		{"second STA", argus.RulesV1.CheckState(open, argus.EventStart, true, now), argus.CodeEventTypeExists, argus.ErrInvalid},
		{"END when closed", argus.RulesV1.CheckState(closed, argus.EventEnd, false, now), argus.CodeIncidentClosed, argus.ErrInvalid},
		{"REO when open", argus.RulesV1.CheckState(open, argus.EventReopen, false, now), argus.CodeIncidentOpen, argus.ErrInvalid},
		{"CLO when stateless", argus.RulesV1.CheckState(stateless, argus.EventClose, false, now), argus.CodeIncidentStateless, argus.ErrInvalid},
		{"ACK as an event", argus.RulesV1.CheckState(open, argus.EventAcknowledge, false, now), argus.CodeAckIsNoEvent, argus.ErrInvalid},
		// D31, api-v2.md §5.2.
		{"person posts CHI", argus.RulesV1.CheckActor(person, argus.EventChange), argus.CodeUserCannotPost, argus.ErrForbidden},
		{"person posts LES", argus.RulesV1.CheckActor(person, argus.EventStateless), argus.CodeUserCannotPost, argus.ErrForbidden},
		{"STA on a stateless incident", argus.RulesV1.CheckState(stateless, argus.EventStart, false, now), argus.CodeStatelessStart, argus.ErrInvalid},
		{"second LES", argus.RulesV1.CheckState(stateless, argus.EventStateless, true, now), argus.CodeEventTypeExists, argus.ErrInvalid},
		// Argus main's rules on v2: RES by sources, refused when open or
		// stateless; END closes again, so only v1 asks whether it has one.
		{"source posts RES on v1", argus.RulesV1.CheckActor(source, argus.EventRestart), argus.CodeSourceCannotPost, argus.ErrForbidden},
		{"person posts RES", argus.RulesV2.CheckActor(person, argus.EventRestart), argus.CodeUserCannotPost, argus.ErrForbidden},
		{"RES when open", argus.RulesV2.CheckState(open, argus.EventRestart, false, now), argus.CodeIncidentOpen, argus.ErrInvalid},
		{"RES when stateless", argus.RulesV2.CheckState(stateless, argus.EventRestart, false, now), argus.CodeIncidentStateless, argus.ErrInvalid},
		{"second END on v1", argus.RulesV1.CheckState(open, argus.EventEnd, true, now), argus.CodeEventTypeExists, argus.ErrInvalid},
		{"END when closed on v2", argus.RulesV2.CheckState(closed, argus.EventEnd, false, now), argus.CodeIncidentClosed, argus.ErrInvalid},
	}
	if err := argus.RulesV2.CheckActor(source, argus.EventRestart); err != nil {
		t.Errorf("a source may not post RES on v2: %v", err)
	}
	if err := argus.RulesV2.CheckState(closed, argus.EventRestart, false, now); err != nil {
		t.Errorf("RES on a closed incident: %v", err)
	}
	if argus.RulesV2.HasOnce(argus.EventEnd) || !argus.RulesV1.HasOnce(argus.EventEnd) {
		t.Error("END is once on v1 only")
	}
	if argus.RulesV1.Postable(argus.EventRestart) || !argus.RulesV2.Postable(argus.EventRestart) {
		t.Error("RES is postable on v2 only")
	}
	if end := argus.EndTimeAfter(closed, argus.EventRestart, now); end == nil || !end.Equal(argus.Infinity) {
		t.Errorf("RES leaves end time %v; want infinity", end)
	}
	for _, t2 := range []argus.EventType{argus.EventChange, argus.EventStateless} {
		if err := argus.RulesV1.CheckActor(source, t2); err != nil {
			t.Errorf("a source may not post %s: %v", t2, err)
		}
	}
	if err := argus.RulesV1.CheckState(stateless, argus.EventChange, false, now); err != nil {
		t.Errorf("CHI on a stateless incident: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := codeField(tt.err)
			if c != tt.want || f != "type" || !errors.Is(tt.err, tt.kind) {
				t.Errorf("error = %v (code %s, field %q); want %s on \"type\", kind %v", tt.err, c, f, tt.want, tt.kind)
			}
		})
	}
	if err := argus.RulesV1.CheckState(open, argus.EventAcknowledge, false, now); err != nil {
		if es := argus.Refusals(err); es[0].Args[0] != int64(7) {
			t.Errorf("CodeAckIsNoEvent args = %v; want the incident's id", es[0].Args)
		}
	}
}
