package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// NewKey returns a fresh API token or session key: 40 lowercase hex
// characters from 20 random bytes, as DRF's tokens (D4).
func NewKey() string {
	b := make([]byte, 20)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewSessionKey returns a fresh web session key: 64 lowercase hex
// characters from 32 random bytes (D35).
func NewSessionKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// HashKey is what storage keeps of a token or session key, so a database
// leak does not leak credentials.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewPassword returns a random 16-character alphanumeric password, as
// initial_setup generates.
func NewPassword() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < 16 {
		_, _ = rand.Read(buf)
		if int(buf[0]) < 256-256%len(alphabet) { // no modulo bias
			b.WriteByte(alphabet[int(buf[0])%len(alphabet)])
		}
	}
	return b.String()
}
