package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
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

// knoxTokenKeyLength is how many leading characters of a knox key are
// kept beside its digest, as knox keeps them (token_key).
const knoxTokenKeyLength = 15

// NewKnoxKey returns a fresh knox-style token: 64 lowercase hex
// characters from 32 random bytes (api-v2.md §2.13).
func NewKnoxKey() string { return NewSessionKey() }

// KnoxDigest is what storage keeps of a knox key: knox's own digest,
// SHA-512 of the key's text in hex, so that tokens imported from an
// Argus 2.x database keep working (D30).
func KnoxDigest(key string) string {
	sum := sha512.Sum512([]byte(key))
	return hex.EncodeToString(sum[:])
}

// isKnoxKey reports whether key has the form of a knox key: 64 hex
// characters.
func isKnoxKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}
