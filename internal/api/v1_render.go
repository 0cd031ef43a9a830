package api

import (
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// formatEndTime renders an incident's end time: "infinity" and
// "-infinity" for the extremes (D7), otherwise as formatTime.
func formatEndTime(t time.Time, loc *time.Location) string {
	switch {
	case argus.IsInfinity(t):
		return "infinity"
	case argus.IsNegInfinity(t):
		return "-infinity"
	}
	return formatTime(t, loc)
}

// formatTime renders a datetime as the API does (D7): RFC 3339 in the
// configured zone with its offset, six fraction digits only when the
// microseconds are not zero.
func formatTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000Z07:00")
	}
	return t.Format("2006-01-02T15:04:05Z07:00")
}

// phoneNumberJSON is a phone number: {"pk","user","phone_number"}.
type phoneNumberJSON struct {
	PK          int64  `json:"pk"`
	User        int64  `json:"user"`
	PhoneNumber string `json:"phone_number"`
}

func renderPhoneNumber(p argus.PhoneNumber) phoneNumberJSON {
	return phoneNumberJSON{PK: p.ID, User: p.UserID, PhoneNumber: p.Number}
}

// sourceTypeJSON is {"name"}.
type sourceTypeJSON struct {
	Name string `json:"name"`
}

// sourceJSON is a source system (api-v1.md §2.4), exactly these keys (D2).
type sourceJSON struct {
	PK      int64          `json:"pk"`
	Name    string         `json:"name"`
	Type    sourceTypeJSON `json:"type"`
	User    int64          `json:"user"`
	BaseURL string         `json:"base_url"`
}

func renderSource(s argus.Source) sourceJSON {
	return sourceJSON{PK: s.ID, Name: s.Name, Type: sourceTypeJSON{s.Type}, User: s.UserID, BaseURL: s.BaseURL}
}

func renderSources(list []argus.Source) []sourceJSON {
	out := make([]sourceJSON, len(list))
	for i, s := range list {
		out[i] = renderSource(s)
	}
	return out
}
