package argus

// Destination is where a profile sends (api-v2.md §2.10, D29): a medium
// and its address — an email address, or an E.164 phone number for sms.
// A user's managed email destination is their account email, kept in
// step with it.
type Destination struct {
	ID      int64
	UserID  int64
	Medium  Medium
	Label   *string
	Address string
	Managed bool
}

// Slug is the medium's name in API v2 and in the media table: "email" or
// "sms"; "" for an invalid medium.
func (m Medium) Slug() string {
	switch m {
	case MediumEmail:
		return "email"
	case MediumSMS:
		return "sms"
	}
	return ""
}

// MediumOf is the medium whose Slug is slug.
func MediumOf(slug string) (Medium, bool) {
	switch slug {
	case "email":
		return MediumEmail, true
	case "sms":
		return MediumSMS, true
	}
	return "", false
}

// SettingKey is the key of the address in the medium's settings:
// "email_address" or "phone_number".
func (m Medium) SettingKey() string {
	if m == MediumSMS {
		return "phone_number"
	}
	return "email_address"
}

// Media is a medium as API v2 lists it: its slug, name and whether it is
// installed (api-v2.md §2.10).
type Media struct {
	Slug      string
	Name      string
	Installed bool
}
