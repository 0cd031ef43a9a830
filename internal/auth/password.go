// Package auth holds the secrets of Argus: password hashing (D22), API
// token and session key generation.
package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane), so a login costs tens of milliseconds on a small server.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	// Limits on the parameters of a stored hash that CheckPassword will
	// compute: Django's default (m=102400, t=2, p=8) is well within them.
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 16
	maxArgonThreads = 64
)

var b64 = base64.RawStdEncoding

// HashPassword hashes a password with Argon2id. The encoding is Django's
// "argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash", so the hashes can move back
// to a Django-based Argus too.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("argon2$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches encoded, and whether the
// hash should be replaced with a fresh HashPassword (it is a Django PBKDF2
// hash, or Argon2 with other parameters). Unknown or unusable encodings
// never match.
func CheckPassword(encoded, password string) (ok, rehash bool) {
	switch {
	case strings.HasPrefix(encoded, "argon2$"):
		return checkArgon2(encoded, password)
	case strings.HasPrefix(encoded, "pbkdf2_sha256$"):
		ok := checkDjangoPBKDF2(encoded, password)
		return ok, ok
	}
	return false, false
}

func checkArgon2(encoded, password string) (ok, rehash bool) {
	// argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) {
		return false, false
	}
	// A stored hash is data, possibly imported: parameters beyond these
	// would let it exhaust memory or time, so it does not verify.
	if m < 8 || m > maxArgonMemory || t < 1 || t > maxArgonTime || p < 1 || p > maxArgonThreads {
		return false, false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) < 16 || len(want) > 1024 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (m != argonMemory || t != argonTime || p != argonThreads)
}

// checkDjangoPBKDF2 verifies Django's "pbkdf2_sha256$iterations$salt$hash".
func checkDjangoPBKDF2(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || strconv.Itoa(iter) != parts[1] || iter < 1 || iter > 10_000_000 {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, []byte(parts[2]), iter, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}
