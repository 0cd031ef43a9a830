package argus

import (
	"crypto/rand"
	"regexp"
	"time"
	"unicode/utf8"
)

// User is a person or a source system's API identity (api-v1.md §2.1).
type User struct {
	ID          int64
	Username    string
	Password    string // the encoded hash; never sent anywhere
	FirstName   string
	LastName    string
	Email       string
	IsStaff     bool
	IsSuperuser bool
	IsActive    bool
	LastLogin   *time.Time
	DateJoined  time.Time
	// SourceID is the pk of the source system this user speaks for, or 0
	// for an end user.
	SourceID int64
}

// IsSourceSystem reports whether a source system points at this user.
func (u *User) IsSourceSystem() bool { return u.SourceID != 0 }

// IsEndUser is the negation of IsSourceSystem.
func (u *User) IsEndUser() bool { return u.SourceID == 0 }

// MaxUsernameLength is Django's limit for usernames.
const MaxUsernameLength = 150

var usernameRE = regexp.MustCompile(`^[\p{L}\p{N}_.@+-]+$`)

// ValidateUsername applies Django's username rules and returns the first
// that fails as an *Error on Field "username" (CodeBlank, CodeTooLong,
// CodeInvalidUsername), or nil.
func ValidateUsername(name string) error {
	switch {
	case name == "":
		return Invalid("username", CodeBlank)
	case utf8.RuneCountInString(name) > MaxUsernameLength:
		return Invalid("username", CodeTooLong, MaxUsernameLength)
	case !usernameRE.MatchString(name):
		return Invalid("username", CodeInvalidUsername)
	}
	return nil
}

// UnusablePassword is the stored password of a user who cannot log in
// with one (the "argus" user, source systems' users): Django's "!"
// prefix and random text, which no password hash matches.
func UnusablePassword() string { return "!" + rand.Text() }

// PhoneNumber is one of a user's numbers, in E.164 form (api-v1.md §2.2).
type PhoneNumber struct {
	ID     int64
	UserID int64
	Number string
}

// Token is an API token. The key itself is only known when it is issued;
// storage keeps a hash of it.
type Token struct {
	UserID  int64
	Created time.Time
}

// Expired reports whether a token created at created has expired at now
// when tokens live for lifetime (D4).
func (t Token) Expired(now time.Time, lifetime time.Duration) bool {
	return t.Created.Add(lifetime).Before(now)
}
