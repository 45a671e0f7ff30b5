package domain

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// EmploymentType is a person's kind of appointment (職員, 非常勤職員, 臨時職員).
type EmploymentType string

// Employment types.
const (
	EmploymentRegular   EmploymentType = "regular"
	EmploymentPartTime  EmploymentType = "part_time"
	EmploymentTemporary EmploymentType = "temporary"
)

// SecurityRole is a role a person holds under the information security
// policy, independent of the API role of their token.
type SecurityRole string

// Security roles of the policy.
const (
	// SecurityRoleCISO is 最高情報セキュリティ責任者.
	SecurityRoleCISO SecurityRole = "ciso"
	// SecurityRoleSupervisor is 統括情報セキュリティ責任者: approves services
	// under standard terms and accepts risks; receives escalations.
	SecurityRoleSupervisor SecurityRole = "supervisor"
	// SecurityRoleManager is 情報セキュリティ責任者 of a department.
	SecurityRoleManager SecurityRole = "manager"
)

// Locale is the language a person's e-mails are written in.
type Locale string

// Supported locales.
const (
	LocaleJa Locale = "ja"
	LocaleEn Locale = "en"
)

// Person is a member of staff: an owner of registers, a recipient of
// reminders, and the holder of API tokens.
type Person struct {
	ID             string         `json:"id" doc:"UUIDv7 of the person."`
	Name           string         `json:"name" doc:"Full name." example:"山田 太郎"`
	Email          string         `json:"email" format:"email" doc:"E-mail address, unique regardless of case." example:"yamada@example.lg.jp"`
	DepartmentID   string         `json:"department_id" doc:"The department the person belongs to."`
	EmploymentType EmploymentType `json:"employment_type" enum:"regular,part_time,temporary" doc:"regular (職員), part_time (非常勤職員) or temporary (臨時職員)."`
	SecurityRoles  []SecurityRole `json:"security_roles" enum:"ciso,supervisor,manager" doc:"Roles held under the security policy: ciso (最高情報セキュリティ責任者), supervisor (統括情報セキュリティ責任者), manager (情報セキュリティ責任者)."`
	SupervisorID   *string        `json:"supervisor_id,omitempty" doc:"Who receives this person's escalated reminders."`
	Locale         Locale         `json:"locale" enum:"ja,en" doc:"Language of the person's e-mails."`
	Active         bool           `json:"active" doc:"Inactive people keep their history but receive nothing."`
	Version        int            `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt      time.Time      `json:"created_at" doc:"When the person was created (RFC 3339, UTC)."`
	UpdatedAt      time.Time      `json:"updated_at" doc:"When the person last changed (RFC 3339, UTC)."`
}

// HasSecurityRole reports whether the person holds role r.
func (p *Person) HasSecurityRole(r SecurityRole) bool {
	for _, have := range p.SecurityRoles {
		if have == r {
			return true
		}
	}
	return false
}

// PersonInput is what a client writes when creating or replacing a person.
type PersonInput struct {
	Name           string         `json:"name" minLength:"1" maxLength:"200" doc:"Full name." example:"山田 太郎" validate:"required,max=200"`
	Email          string         `json:"email" format:"email" maxLength:"254" doc:"E-mail address, unique regardless of case." example:"yamada@example.lg.jp" validate:"required,email,max=254" text:"nfkc"`
	DepartmentID   string         `json:"department_id" format:"uuid" doc:"The department the person belongs to." validate:"required,uuid"`
	EmploymentType EmploymentType `json:"employment_type,omitempty" enum:"regular,part_time,temporary" default:"regular" doc:"regular (職員), part_time (非常勤職員) or temporary (臨時職員)." validate:"omitempty,oneof=regular part_time temporary"`
	SecurityRoles  []SecurityRole `json:"security_roles,omitempty" enum:"ciso,supervisor,manager" maxItems:"3" uniqueItems:"true" doc:"Roles held under the security policy; only an admin may grant or remove them." validate:"max=3,unique,dive,oneof=ciso supervisor manager"`
	SupervisorID   *string        `json:"supervisor_id,omitempty" format:"uuid" doc:"Who receives this person's escalated reminders; omit for none." validate:"omitempty,uuid"`
	Locale         Locale         `json:"locale,omitempty" enum:"ja,en" default:"ja" doc:"Language of the person's e-mails; ja by default." validate:"omitempty,oneof=ja en"`
	Active         *bool          `json:"active,omitempty" default:"true" doc:"Whether the person is active; true by default."`
}

// Normalize fills in the defaults of omitted fields.
func (in *PersonInput) Normalize() {
	if in.EmploymentType == "" {
		in.EmploymentType = EmploymentRegular
	}
	if in.Locale == "" {
		in.Locale = LocaleJa
	}
	if in.SecurityRoles == nil {
		in.SecurityRoles = []SecurityRole{}
	}
	if in.Active == nil {
		active := true
		in.Active = &active
	}
	if in.SupervisorID != nil && *in.SupervisorID == "" {
		in.SupervisorID = nil
	}
}

// SteeringChanges names the fields of a person that steer security —
// active, email, supervisor_id and security_roles — which in changes.
// in must be normalised.
func SteeringChanges(before *Person, in PersonInput) []string {
	var out []string
	if in.Active != nil && *in.Active != before.Active {
		out = append(out, "active")
	}
	if !strings.EqualFold(strings.TrimSpace(in.Email), before.Email) {
		out = append(out, "email")
	}
	if deref(in.SupervisorID) != deref(before.SupervisorID) {
		out = append(out, "supervisor_id")
	}
	if !sameSecurityRoles(before.SecurityRoles, in.SecurityRoles) {
		out = append(out, "security_roles")
	}
	return out
}

// PersonChangeRefusal applies the separation of duties to a change of a
// person by a caller with token role actorRole: security roles are granted
// and removed by admins only, and the fields that steer security (see
// SteeringChanges) of a person who holds a security role or an admin token
// are changed by admins only, so an editor can neither take over a
// supervisor's reminders nor switch off a CISO. It returns an EFORBIDDEN
// error naming the fields, or nil.
func PersonChangeRefusal(actorRole Role, before *Person, holdsAdminToken bool, in PersonInput) error {
	if actorRole == RoleAdmin {
		return nil
	}
	changed := SteeringChanges(before, in)
	for _, f := range changed {
		if f == "security_roles" {
			return Errorf(EFORBIDDEN, "only an admin may grant or remove security roles (ciso, supervisor, manager)").
				WithJa("セキュリティ上の役割（最高情報セキュリティ責任者、統括情報セキュリティ責任者、情報セキュリティ責任者）の付与と解除は、管理者だけが行えます。")
		}
	}
	if len(changed) > 0 && (len(before.SecurityRoles) > 0 || holdsAdminToken) {
		return Errorf(EFORBIDDEN, "%s holds a security role or an admin token: only an admin may change %s", before.Name, strings.Join(changed, ", ")).
			WithJa("%sさんはセキュリティ上の役割又は管理者のトークンを持っているため、%sの変更は管理者だけが行えます。", before.Name, steeringFieldsJa(changed))
	}
	return nil
}

// LastAdminRefusal refuses to set inactive the last active person holding
// an admin token, whoever asks: nobody could manage tokens, catalogues or
// settings any more. otherAdmins counts the other active people with an
// unrevoked admin token.
func LastAdminRefusal(before *Person, in PersonInput, holdsAdminToken bool, otherAdmins int) error {
	if !holdsAdminToken || !before.Active || in.Active == nil || *in.Active || otherAdmins > 0 {
		return nil
	}
	return Errorf(ECONFLICT, "%s is the last active administrator and cannot be set inactive; give another active person an admin token first", before.Name).
		WithJa("%sさんは在職中の最後の管理者のため、在職でない状態にできません。先に、在職中の別の職員に管理者のトークンを発行してください。", before.Name)
}

// steeringFieldsJa names the fields SteeringChanges reports in Japanese.
func steeringFieldsJa(fields []string) string {
	names := map[string]string{"active": "在職の状態", "email": "メールアドレス", "supervisor_id": "上司", "security_roles": "セキュリティ上の役割"}
	out := make([]string, len(fields))
	for i, f := range fields {
		if n, ok := names[f]; ok {
			out[i] = n
		} else {
			out[i] = f
		}
	}
	return strings.Join(out, "、")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sameSecurityRoles(a, b []SecurityRole) bool {
	set := map[SecurityRole]bool{}
	for _, r := range a {
		set[r] = true
	}
	seen := map[SecurityRole]bool{}
	for _, r := range b {
		if !set[r] {
			return false
		}
		seen[r] = true
	}
	return len(seen) == len(set)
}

// PersonFilter narrows ListPeople; zero values do not filter.
type PersonFilter struct {
	DepartmentID string
	Active       *bool
	SecurityRole SecurityRole
	// Email matches the whole address, regardless of case.
	Email string
	// Q matches part of the name or e-mail, case-insensitively.
	Q string
}

// PersonService manages people.
type PersonService interface {
	// FindPerson returns one person. ENOTFOUND if there is none.
	FindPerson(ctx context.Context, id string) (*Person, error)
	// ListPeople returns a page of people ordered by creation. EINVALID for a
	// malformed cursor.
	ListPeople(ctx context.Context, f PersonFilter, p PageRequest) (Page[*Person], error)
	// CreatePerson creates a person. EINVALID for bad input or an unknown
	// department or supervisor, ECONFLICT when the e-mail is taken.
	CreatePerson(ctx context.Context, in PersonInput) (*Person, error)
	// ReplacePerson replaces a person's fields. ENOTFOUND, EINVALID (also for
	// a supervisor chain that loops back), ECONFLICT for a taken e-mail or a
	// concurrent change, ESTALE for a stale ifVersion.
	ReplacePerson(ctx context.Context, id string, ifVersion *int, in PersonInput) (*Person, error)
	// DeletePerson deletes a person. ENOTFOUND, ESTALE, and ECONFLICT while
	// the person is responsible for anything (naming what).
	DeletePerson(ctx context.Context, id string, ifVersion *int) error
}

// EmailChangeNotice tells the old address of a person that it was replaced,
// so that a takeover of someone's reminders (and sign-in) cannot go unseen.
type EmailChangeNotice struct {
	PersonID  string
	Name      string
	OldEmail  string
	NewEmail  string
	Locale    Locale
	ChangedBy string
	ChangedAt time.Time
}

// EnqueueEmailChangeNotice receives the open transaction of a person change
// and must queue the notice in it, so that the notice exists exactly when
// the change committed.
type EnqueueEmailChangeNotice func(ctx context.Context, tx *sql.Tx, n EmailChangeNotice) error
