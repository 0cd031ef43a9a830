package auth_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
)

// argon2Encoding is Django's Argon2PasswordHasher format with the
// parameters HashPassword uses: 16 bytes of salt and 32 of hash, both in
// unpadded standard base64.
var argon2Encoding = regexp.MustCompile(`^argon2\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	for _, password := range []string{"correct horse", "", "lètmein", "with $ dollar"} {
		t.Run(fmt.Sprintf("%q", password), func(t *testing.T) {
			h1, err := auth.HashPassword(password)
			if err != nil {
				t.Fatal(err)
			}
			h2, err := auth.HashPassword(password)
			if err != nil {
				t.Fatal(err)
			}
			if !argon2Encoding.MatchString(h1) {
				t.Errorf("HashPassword = %q; want Django's argon2id encoding matching %s", h1, argon2Encoding)
			}
			if h1 == h2 {
				t.Errorf("two hashes of one password are both %q; want different salts", h1)
			}
			if ok, rehash := auth.CheckPassword(h1, password); !ok || rehash {
				t.Errorf("CheckPassword(hash, right) = %v, %v; want true, false", ok, rehash)
			}
			if ok, rehash := auth.CheckPassword(h1, password+"x"); ok || rehash {
				t.Errorf("CheckPassword(hash, wrong) = %v, %v; want false, false", ok, rehash)
			}
		})
	}
}

// Django's PBKDF2 hashes (D22), computed independently of the code under
// test: Django's encoder is exactly
//
//	python3 -c 'import hashlib,base64; print(base64.b64encode(hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), SALT.encode(), ITERATIONS, 32)).decode())'
//
// formatted as "pbkdf2_sha256$ITERATIONS$SALT$<that>".
var djangoPBKDF2 = []struct {
	name, encoded, password, wrong string
}{
	{
		// Django 4.1's tests/auth_tests/test_hashers.py, test_pbkdf2:
		// make_password("lètmein", "seasalt", "pbkdf2_sha256").
		name:     "Django test_pbkdf2",
		encoded:  "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
		password: "lètmein",
		wrong:    "lètmeinz",
	},
	{
		// Django 4.1's test_low_level_pbkdf2:
		// PBKDF2PasswordHasher().encode("lètmein", "seasalt2").
		name:     "Django test_low_level_pbkdf2",
		encoded:  "pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8=",
		password: "lètmein",
		wrong:    "lètmeinz",
	},
	{
		// python3 -c 'import hashlib,base64; print(base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"", b"seasalt", 390000, 32)).decode())'
		name:     "blank password",
		encoded:  "pbkdf2_sha256$390000$seasalt$gflN4eXUTFEJvijto7oreY/on+ogxemTUWfqQXO/bWI=",
		password: "",
		wrong:    " ",
	},
	{
		// A 22-character salt as Django's get_random_string makes:
		// python3 -c 'import hashlib,base64; print(base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple", b"eB4ocU5gNV1Aa6pVTkWNrM", 1000, 32)).decode())'
		name:     "random-looking salt",
		encoded:  "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I=",
		password: "correct horse battery staple",
		wrong:    "Correct horse battery staple",
	},
	{
		// Password and salt are both used as UTF-8 bytes:
		// python3 -c 'import hashlib,base64; print(base64.b64encode(hashlib.pbkdf2_hmac("sha256", "pässwörd".encode(), "sålt".encode(), 1, 32)).decode())'
		name:     "non-ASCII salt",
		encoded:  "pbkdf2_sha256$1$sålt$lGjVuKx17jmDrJHGHTH9FdBCri2OfVmiA9HNoj8YsKk=",
		password: "pässwörd",
		wrong:    "passwörd",
	},
}

func TestCheckPasswordDjangoPBKDF2(t *testing.T) {
	for _, tt := range djangoPBKDF2 {
		t.Run(tt.name, func(t *testing.T) {
			if ok, rehash := auth.CheckPassword(tt.encoded, tt.password); !ok || !rehash {
				t.Errorf("CheckPassword(%q, right) = %v, %v; want true, true", tt.encoded, ok, rehash)
			}
			if ok, _ := auth.CheckPassword(tt.encoded, tt.wrong); ok {
				t.Errorf("CheckPassword(%q, %q) = true; want false", tt.encoded, tt.wrong)
			}
		})
	}
}

// A wrong password must never ask for a rehash: a caller that replaced the
// hash whenever rehash is true would otherwise store the attacker's guess.
// The Argon2 path already answers false, false.
func TestCheckPasswordWrongPasswordNeverAsksForRehash(t *testing.T) {
	fresh, err := auth.HashPassword("right")
	if err != nil {
		t.Fatal(err)
	}
	for name, encoded := range map[string]string{
		"argon2":        fresh,
		"pbkdf2_sha256": djangoPBKDF2[3].encoded,
	} {
		t.Run(name, func(t *testing.T) {
			if ok, rehash := auth.CheckPassword(encoded, "wrong"); ok || rehash {
				t.Errorf("CheckPassword(%q, wrong) = %v, %v; want false, false", encoded, ok, rehash)
			}
		})
	}
}

// Encodings that must not match, whatever the password: each is tried with
// the password that matches the well-formed hash it was derived from. (That
// a failed check never asks for a rehash is
// TestCheckPasswordWrongPasswordNeverAsksForRehash's business.)
func TestCheckPasswordMalformed(t *testing.T) {
	const pw = "correct horse battery staple" // matches djangoPBKDF2[3]
	salt := base64.RawStdEncoding.EncodeToString([]byte("somesaltsomesalt"))
	key := base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte(pw), []byte("somesaltsomesalt"), 1, 8, 1, 32))
	tests := []struct {
		name, encoded string
	}{
		{"empty", ""},
		{"unusable", "!unusable"},
		{"bare bang", "!"},
		{"unknown algorithm", "lolcat$salt$hash"},
		{"Django pbkdf2_sha1", "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I="},
		{"Django md5", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"},
		{"algorithm in upper case", "PBKDF2_SHA256$1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 prefix only", "pbkdf2_sha256$"},
		{"pbkdf2 three parts", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM"},
		{"pbkdf2 five parts", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I=$"},
		{"pbkdf2 non-numeric iterations", "pbkdf2_sha256$many$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 empty iterations", "pbkdf2_sha256$$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 zero iterations", "pbkdf2_sha256$0$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 negative iterations", "pbkdf2_sha256$-1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 iterations overflow", "pbkdf2_sha256$99999999999999999999$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 other iterations", "pbkdf2_sha256$1001$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 other salt", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrN$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I="},
		{"pbkdf2 bad base64", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$not base64!"},
		{"pbkdf2 unpadded base64", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2te+k2u/7x/rZVgackzgjn0I"},
		{"pbkdf2 empty hash", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$"},
		// The first 16 of the 32 bytes of the right hash. Django compares
		// the whole encoding, so it rejects this.
		{"pbkdf2 truncated hash", "pbkdf2_sha256$1000$eB4ocU5gNV1Aa6pVTkWNrM$nb3tZEWMI2AYVrJ/fUz2tQ=="},
		{"argon2 prefix only", "argon2$"},
		{"argon2 five parts", "argon2$argon2id$v=19$m=8,t=1,p=1$" + salt},
		{"argon2 seven parts", "argon2$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key + "$"},
		{"argon2 unknown variant", "argon2$argon2x$v=19$m=8,t=1,p=1$" + salt + "$" + key},
		{"argon2 other version", "argon2$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key},
		{"argon2 no version", "argon2$argon2id$m=8,t=1,p=1$" + salt + "$" + key},
		{"argon2 zero memory", "argon2$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key},
		{"argon2 zero time", "argon2$argon2id$v=19$m=8,t=0,p=1$" + salt + "$" + key},
		{"argon2 zero threads", "argon2$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key},
		{"argon2 threads overflow", "argon2$argon2id$v=19$m=8,t=1,p=257$" + salt + "$" + key},
		{"argon2 non-numeric parameters", "argon2$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key},
		{"argon2 parameters missing", "argon2$argon2id$v=19$$" + salt + "$" + key},
		{"argon2 bad salt", "argon2$argon2id$v=19$m=8,t=1,p=1$%%%$" + key},
		{"argon2 bad hash", "argon2$argon2id$v=19$m=8,t=1,p=1$" + salt + "$%%%"},
		{"argon2 empty hash", "argon2$argon2id$v=19$m=8,t=1,p=1$" + salt + "$"},
		{"argon2 other parameters", "argon2$argon2id$v=19$m=16,t=1,p=1$" + salt + "$" + key},
	}
	// The control: the well-formed hashes these are derived from do match.
	if ok, _ := auth.CheckPassword(djangoPBKDF2[3].encoded, pw); !ok {
		t.Fatalf("control: CheckPassword(%q) = false; want true", djangoPBKDF2[3].encoded)
	}
	control := "argon2$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key
	if ok, _ := auth.CheckPassword(control, pw); !ok {
		t.Fatalf("control: CheckPassword(%q) = false; want true", control)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, password := range []string{pw, "", tt.encoded} {
				if ok, _ := auth.CheckPassword(tt.encoded, password); ok {
					t.Errorf("CheckPassword(%q, %q) = true; want false", tt.encoded, password)
				}
			}
		})
	}
}

// argon2Hash encodes an Argon2id hash as Django does, built here with
// golang.org/x/crypto/argon2 rather than HashPassword.
func argon2Hash(password, salt string, m, t uint32, p uint8, keyLen uint32) string {
	key := argon2.IDKey([]byte(password), []byte(salt), t, m, p, keyLen)
	return fmt.Sprintf("argon2$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString([]byte(salt)), base64.RawStdEncoding.EncodeToString(key))
}

func TestCheckPasswordArgon2Parameters(t *testing.T) {
	tests := []struct {
		name       string
		encoded    string
		password   string
		wantRehash bool
	}{
		{"our parameters", argon2Hash("pw", "0123456789abcdef", 19456, 2, 1, 32), "pw", false},
		{"more memory", argon2Hash("pw", "0123456789abcdef", 65536, 2, 1, 32), "pw", true},
		{"less memory", argon2Hash("pw", "0123456789abcdef", 8, 2, 1, 32), "pw", true},
		{"more passes", argon2Hash("pw", "0123456789abcdef", 19456, 3, 1, 32), "pw", true},
		{"more lanes", argon2Hash("pw", "0123456789abcdef", 19456, 2, 2, 32), "pw", true},
		// Django's tests/auth_tests/test_hashers.py,
		// test_argon2_version_upgrade: Django's own hash of "secret" with
		// its former defaults (argon2-cffi, 100 MiB, 8 lanes, 16 bytes).
		{"Django argon2id", "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw", "secret", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, rehash := auth.CheckPassword(tt.encoded, tt.password); !ok || rehash != tt.wantRehash {
				t.Errorf("CheckPassword(%q, right) = %v, %v; want true, %v", tt.encoded, ok, rehash, tt.wantRehash)
			}
			if ok, rehash := auth.CheckPassword(tt.encoded, tt.password+"z"); ok || rehash {
				t.Errorf("CheckPassword(%q, wrong) = %v, %v; want false, false", tt.encoded, ok, rehash)
			}
		})
	}
}

func TestUnusablePassword(t *testing.T) {
	u1, u2 := argus.UnusablePassword(), argus.UnusablePassword()
	if !strings.HasPrefix(u1, "!") || len(u1) < 2 {
		t.Errorf("UnusablePassword = %q; want \"!\" and a random suffix", u1)
	}
	if u1 == u2 {
		t.Errorf("two unusable passwords are both %q; want different ones", u1)
	}
	for _, password := range []string{"", "!", u1, u1[1:], u2, "password"} {
		if ok, rehash := auth.CheckPassword(u1, password); ok || rehash {
			t.Errorf("CheckPassword(%q, %q) = %v, %v; want false, false", u1, password, ok, rehash)
		}
	}
}

func TestNewKey(t *testing.T) {
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)
	seen := map[string]bool{}
	for range 20 {
		k := auth.NewKey()
		if !hex40.MatchString(k) {
			t.Fatalf("NewKey = %q; want 40 lowercase hex characters", k)
		}
		if seen[k] {
			t.Fatalf("NewKey returned %q twice", k)
		}
		seen[k] = true
	}
}

func TestHashKey(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		// printf abc | sha256sum
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		// printf '' | sha256sum
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.key), func(t *testing.T) {
			if got := auth.HashKey(tt.key); got != tt.want {
				t.Errorf("HashKey(%q) = %q; want %q", tt.key, got, tt.want)
			}
		})
	}
	t.Run("random key", func(t *testing.T) {
		k := auth.NewKey()
		got1, got2 := auth.HashKey(k), auth.HashKey(k)
		if got1 != got2 {
			t.Errorf("HashKey(%q) = %q then %q; want it stable", k, got1, got2)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(got1) {
			t.Errorf("HashKey(%q) = %q; want 64 lowercase hex characters", k, got1)
		}
		if got1 == k {
			t.Errorf("HashKey(%q) returned the key itself", k)
		}
		if other := auth.HashKey(auth.NewKey()); other == got1 {
			t.Errorf("two keys hash to the same %q", other)
		}
	})
}

func TestNewPassword(t *testing.T) {
	alnum16 := regexp.MustCompile(`^[A-Za-z0-9]{16}$`)
	seen := map[string]bool{}
	for range 50 {
		p := auth.NewPassword()
		if !alnum16.MatchString(p) {
			t.Fatalf("NewPassword = %q; want 16 characters from [A-Za-z0-9]", p)
		}
		if seen[p] {
			t.Fatalf("NewPassword returned %q twice", p)
		}
		seen[p] = true
	}
}

// FuzzCheckPassword feeds CheckPassword arbitrary encodings and passwords.
// The seeds use cheap parameters so the fuzzer spends its time on parsing,
// not on key derivation.
func FuzzCheckPassword(f *testing.F) {
	f.Add("", "")
	f.Add("!unusable", "!unusable")
	f.Add("pbkdf2_sha256$1$s$SIkVI70E5DPA67s1XfqzvpyLJu7HOCmMH2DUkF6UDIM=", "pw")
	f.Add("pbkdf2_sha256$1$s$SIkVI70E5DPA67s1XfqzvpyLJu7HOCmMH2DUkF6UDIM=", "wrong")
	f.Add("pbkdf2_sha256$1$sålt$lGjVuKx17jmDrJHGHTH9FdBCri2OfVmiA9HNoj8YsKk=", "pässwörd")
	f.Add("pbkdf2_sha256$x$s$=", "pw")
	f.Add("pbkdf2_sha256$$$", "")
	f.Add(argon2Hash("pw", "0123456789abcdef", 8, 1, 1, 32), "pw")
	f.Add(argon2Hash("pw", "0123456789abcdef", 16, 1, 2, 8), "other")
	f.Add("argon2$argon2id$v=19$m=8,t=1,p=1$$", "pw")
	f.Add("argon2$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$%%%", "pw")
	f.Add("argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", "secret")
	f.Add("md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", "lètmein")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		ok, rehash := auth.CheckPassword(encoded, password)
		if ok && !strings.HasPrefix(encoded, "argon2$") && !strings.HasPrefix(encoded, "pbkdf2_sha256$") {
			t.Errorf("CheckPassword(%q, %q) = true, %v for an unknown algorithm; want false", encoded, password, rehash)
		}
	})
}
