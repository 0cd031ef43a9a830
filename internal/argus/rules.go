package argus

import "time"

// Who may do what. Each rule is written once, here; the store enforces it
// in the transaction that makes the change, and a face may ask it earlier
// only to refuse in the order its clients expect (DRF checks permissions
// before it reads a body).

// Operator is the person at the command line (argus create-source,
// argus notifications): whoever runs the binary against the database owns
// the installation and passes every rule.
func Operator() *User { return &User{Username: "(operator)", IsSuperuser: true, IsActive: true} }

// CanCreateSource says whether u may create source systems: superusers
// only (api-v1.md §4.2). The refusal is CodeSuperuserOnly (ErrForbidden).
func CanCreateSource(u *User) error {
	if u == nil || !u.IsSuperuser {
		return Forbidden(CodeSuperuserOnly)
	}
	return nil
}

// CanChangeSource says whether u may change src (its name): the source's
// own user and superusers. The refusal is CodeSourceNotYours
// (ErrForbidden).
func CanChangeSource(u *User, src *Source) error {
	if u == nil || u.ID != src.UserID && !u.IsSuperuser {
		return Forbidden(CodeSourceNotYours)
	}
	return nil
}

// CanNameSource says whether u may say which source a new incident is
// from, rather than posting for its own: superusers only. The refusal is
// CodeSourceNeedsSuperuser on Field "source" (ErrForbidden).
func CanNameSource(u *User) error {
	if u == nil || !u.IsSuperuser {
		return &Error{Kind: ErrForbidden, Code: CodeSourceNeedsSuperuser, Field: "source"}
	}
	return nil
}

// OwnSource is the source a new incident posted by u is from when u names
// none: the one u speaks for. An end user has none: CodeNoSourceOfCaller.
func OwnSource(u *User) (int64, error) {
	if u == nil || u.SourceID == 0 {
		return 0, Invalid("", CodeNoSourceOfCaller)
	}
	return u.SourceID, nil
}

// CanPostIncident says whether u may create an incident of src: its own
// user, or a superuser (CanNameSource).
func CanPostIncident(u *User, src *Source) error {
	if u != nil && u.ID == src.UserID {
		return nil
	}
	return CanNameSource(u)
}

// CanAcknowledge says whether u may acknowledge incidents under the
// rules r: on v1 end users only (api-v1.md §5.3), on v2 source systems too
// (api-v2.md §4.6). A source system refused gets CodeSourceCannotAck on
// Field "type" (ErrForbidden).
func (r Rules) CanAcknowledge(u *User) error {
	if u == nil || r == RulesV1 && u.IsSourceSystem() {
		return &Error{Kind: ErrForbidden, Code: CodeSourceCannotAck, Field: "type"}
	}
	return nil
}

// CanReadNotifications says whether u may read the notification log
// (D12): it names every user's addresses, so superusers only
// (CodeSuperuserOnly).
func CanReadNotifications(u *User) error {
	if u == nil || !u.IsSuperuser {
		return Forbidden(CodeSuperuserOnly)
	}
	return nil
}

// CanRemoveTag says whether u may take tag t, added by addedBy, off an
// incident: whoever added it, and superusers. The refusal is
// CodeTagNotYours with the tag as its Field (ErrForbidden).
func CanRemoveTag(u *User, t Tag, addedBy int64) error {
	if u == nil || !u.IsSuperuser && u.ID != addedBy {
		return &Error{Kind: ErrForbidden, Code: CodeTagNotYours, Field: t.String()}
	}
	return nil
}

// CheckIncidentTimes refuses an incident that ends before it starts
// (CodeEndBeforeStart); end is nil for a stateless incident.
func CheckIncidentTimes(start time.Time, end *time.Time) error {
	if end != nil && end.Before(start) {
		return Invalid("", CodeEndBeforeStart)
	}
	return nil
}

// CheckAck refuses an acknowledgement that expires before or when it is
// made (CodeExpirationNotAfterEvent).
func CheckAck(a *Ack) error {
	if a.Expiration != nil && !a.Expiration.After(a.Event.Timestamp) {
		return Invalid("", CodeExpirationNotAfterEvent)
	}
	return nil
}

// CheckAckChange says whether a's expiration may become exp at now
// (api-v2.md §4.6): an ack that has expired stays as it was
// (CodeAckExpired), and a new expiration must be nil or after now
// (CodeExpirationPast on "expiration", Args[0] now).
func CheckAckChange(a *Ack, exp *time.Time, now time.Time) error {
	if a.Expiration != nil && !a.Expiration.After(now) {
		return Invalid("", CodeAckExpired)
	}
	if exp != nil && !exp.After(now) {
		return Invalid("expiration", CodeExpirationPast, now)
	}
	return nil
}

// CanReadFilter says whether u may read filter f through API v2: their
// own; another user's public filter is listed for everyone but read by
// superusers only (ErrForbidden, CodeSuperuserOnly); another's private
// one does not exist for them (ErrNotFound).
func CanReadFilter(u *User, f *Filter) error {
	switch {
	case u != nil && u.ID == f.UserID:
		return nil
	case !f.Public:
		return NotFound("Filter", f.ID)
	case u == nil || !u.IsSuperuser:
		return Forbidden(CodeSuperuserOnly)
	}
	return nil
}
