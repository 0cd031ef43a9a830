// Package authtest makes the users and tokens that tests of every face
// need, over a store opened with package storetest.
package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
)

// Password is the password of the users User creates.
const Password = "pw"

// User creates a user with the password Password, the email address
// name@example.org and the first name "First <name>"; with superuser, a
// superuser and staff.
func User(t testing.TB, st *store.Store, name string, superuser bool, now time.Time) argus.User {
	t.Helper()
	hash, err := auth.HashPassword(Password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), store.NewUser{
		Username: name, Password: hash, Email: name + "@example.org", FirstName: "First " + name,
		IsSuperuser: superuser, IsStaff: superuser,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Token issues the user a fresh API token at now, replacing any it had,
// and returns its key.
func Token(t testing.TB, st *store.Store, userID int64, now time.Time) string {
	t.Helper()
	key := auth.NewKey()
	if err := st.RotateToken(context.Background(), userID, auth.HashKey(key), now); err != nil {
		t.Fatal(err)
	}
	return key
}
