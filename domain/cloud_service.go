package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CloudServiceStatus is where a service under standard terms stands.
type CloudServiceStatus string

// Cloud service statuses: requested → approved | rejected → retired. A new
// terms version or terms address sends an approved service back to requested.
const (
	CloudRequested CloudServiceStatus = "requested"
	CloudApproved  CloudServiceStatus = "approved"
	CloudRejected  CloudServiceStatus = "rejected"
	CloudRetired   CloudServiceStatus = "retired"
)

// TermsAnswer is the answer to one terms-of-service checklist item.
type TermsAnswer string

// Terms checklist answers.
const (
	TermsOK      TermsAnswer = "ok"
	TermsConcern TermsAnswer = "concern"
)

// TermsCheck answers one item of the terms-of-service risk checklist, for
// the terms it was given for. An answer given for other terms than the
// service's current ones is stale: it is kept, but approval needs it
// answered again.
type TermsCheck struct {
	Code         string      `json:"code" minLength:"1" maxLength:"80" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the checklist item." example:"tos_usage_rights" validate:"required,max=80" text:"nfkc"`
	Answer       TermsAnswer `json:"answer" enum:"ok,concern" doc:"ok, or concern when the terms fall short." validate:"required,oneof=ok concern"`
	Note         string      `json:"note,omitempty" maxLength:"2000" doc:"What the terms say; for a concern, why it is acceptable." validate:"max=2000" text:"multiline"`
	TermsVersion string      `json:"terms_version,omitempty" maxLength:"100" doc:"The terms version the answer was given for. Leave it out to answer for the current terms; send back what you read to keep an answer as it was (a stale answer stays stale)." example:"2026-04-01版" validate:"max=100"`
	TermsURL     string      `json:"terms_url,omitempty" maxLength:"500" format:"uri" doc:"The terms address the answer was given for; like terms_version, the current one when left out." example:"https://transfer.example.com/terms" validate:"max=500"`
	Stale        bool        `json:"stale" readOnly:"true" doc:"True when the answer was given for other terms (version or address) than the service's current ones; computed, never written."`
}

// TermsRef names the terms of service a service, or an answer, refers to.
type TermsRef struct {
	Version string
	URL     string
}

// Changed reports whether t names other terms than prev, ignoring
// surrounding spaces.
func (t TermsRef) Changed(prev TermsRef) bool {
	return strings.TrimSpace(t.Version) != strings.TrimSpace(prev.Version) || strings.TrimSpace(t.URL) != strings.TrimSpace(prev.URL)
}

// StampTermsChecks records the terms each answer was given for. An answer
// that names no terms was given for the current ones (cur) — except when the
// same change replaces the terms (prev differs from cur): then every answer
// counts as given for the previous terms, even one that names the new
// terms, because a new terms_version or terms_url resets the checklist and
// the new terms must be read and answered in a change of their own. prev is
// the zero TermsRef on registration.
func StampTermsChecks(checks []TermsCheck, prev, cur TermsRef) []TermsCheck {
	reset := prev != (TermsRef{}) && cur.Changed(prev)
	base := cur
	if reset {
		base = prev
	}
	out := make([]TermsCheck, len(checks))
	for i, c := range checks {
		c.TermsVersion, c.TermsURL = strings.TrimSpace(c.TermsVersion), strings.TrimSpace(c.TermsURL)
		c = c.filled(base)
		if reset && !c.terms().Changed(cur) {
			c.TermsVersion, c.TermsURL = prev.Version, prev.URL
		}
		c.Stale = c.terms().Changed(cur)
		out[i] = c
	}
	return out
}

// terms returns the terms the answer names.
func (c TermsCheck) terms() TermsRef { return TermsRef{Version: c.TermsVersion, URL: c.TermsURL} }

// filled fills the terms the answer leaves out from base.
func (c TermsCheck) filled(base TermsRef) TermsCheck {
	if c.TermsVersion == "" {
		c.TermsVersion = base.Version
	}
	if c.TermsURL == "" {
		c.TermsURL = base.URL
	}
	return c
}

// MarkStaleTermsChecks sets Stale on each answer as read: an answer stored
// without its terms (before answers carried them) counts as given for the
// current terms.
func MarkStaleTermsChecks(checks []TermsCheck, cur TermsRef) {
	for i := range checks {
		checks[i] = checks[i].filled(cur)
		checks[i].Stale = checks[i].terms().Changed(cur)
	}
}

// StaleTermsCheckProblems returns one field error per answer given for other
// terms than the current ones; approval waits until each is answered again.
func StaleTermsCheckProblems(checks []TermsCheck, cur TermsRef) FieldErrors {
	var fe FieldErrors
	for i, c := range checks {
		if c.terms().Changed(cur) {
			fe.AddJa(fmt.Sprintf("terms_checks[%d]", i), fmt.Sprintf("checklist item %s was answered for the terms %s (%s), not for the current terms %s (%s): read the new terms and answer it again",
				c.Code, c.TermsVersion, c.TermsURL, cur.Version, cur.URL),
				fmt.Sprintf("確認項目%sへの回答は、現在の約款%s（%s）ではなく、以前の約款%s（%s）に対するものです。新しい約款を読み、改めて回答してください。",
					c.Code, cur.Version, cur.URL, c.TermsVersion, c.TermsURL), c.Code)
		}
	}
	return fe
}

// MaxCloudConfidentiality is the rule of the policy (第6 ⑧): a service used
// under standard terms must not handle information of confidentiality 2 or
// above.
const MaxCloudConfidentiality = Confidentiality1

// CloudConfidentialityProblems returns one field error per asset that breaks
// the rule. There is no override.
func CloudConfidentialityProblems(assets []InformationAsset) FieldErrors {
	var fe FieldErrors
	for i, a := range assets {
		if a.Classification.Confidentiality.Compare(MaxCloudConfidentiality) > 0 {
			fe.AddJa(fmt.Sprintf("information_assets[%d].classification.confidentiality", i),
				"a service used under standard terms (約款による外部サービス) must not handle information of confidentiality 2 or above; "+
					a.Name+" is confidentiality "+string(a.Classification.Confidentiality),
				"約款による外部サービスでは、機密性2以上の情報を取り扱うことはできません。「"+a.Name+"」は機密性"+string(a.Classification.Confidentiality)+"です。",
				a.Classification.Confidentiality)
		}
	}
	return fe
}

// TermsCheckProblems returns what keeps a checklist from supporting an
// approval: an active item without an answer, an unknown or doubled item.
func TermsCheckProblems(checks []TermsCheck, items []*CatalogueItem) FieldErrors {
	var fe FieldErrors
	known := map[string]bool{}
	for _, it := range items {
		known[it.Code] = true
	}
	answered := map[string]bool{}
	for i, c := range checks {
		if !known[c.Code] {
			fe.AddJa(fmt.Sprintf("terms_checks[%d].code", i), "is not a terms-of-service checklist item", "約款の確認項目ではありません。", c.Code)
		}
		if answered[c.Code] {
			fe.AddJa(fmt.Sprintf("terms_checks[%d].code", i), "is answered twice", "同じ項目に二度回答しています。", c.Code)
		}
		answered[c.Code] = true
	}
	for _, it := range items {
		if it.RetiredAt == nil && !answered[it.Code] {
			fe.AddJa("terms_checks", "checklist item "+it.Code+" has no answer", "確認項目"+it.Code+"に回答していません。", it.Code)
		}
	}
	return fe
}

// MayApproveCloudService reports whether a person may approve a service
// under standard terms: a holder of the supervisor (統括情報セキュリティ責任者)
// or CISO role.
func MayApproveCloudService(p *Person) bool { return MayAcceptRisk(p) }

// CloudApprovalRefusal says why an actor may not approve a service that
// requesterID asked for, or returns nil. approver is the actor's person (nil
// for the system or a token without one). The approver must hold the
// supervisor or ciso role, and, for separation of duties (職務の分離), must
// not be the person who asked for the service: whoever asks cannot also
// decide. Both refusals are EFORBIDDEN.
func CloudApprovalRefusal(a Actor, approver *Person, requesterID string) error {
	if !MayApproveCloudService(approver) {
		return Errorf(EFORBIDDEN, "approval of a service under standard terms needs a person holding the supervisor (統括情報セキュリティ責任者) or ciso security role").
			WithJa("約款による外部サービスの利用を承認できるのは、統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ職員です。")
	}
	if requesterID != "" && (a.PersonID == requesterID || approver.ID == requesterID) {
		return Errorf(EFORBIDDEN, "separation of duties (職務の分離): %s asked for this service (requester_id) and so cannot approve it; another person holding the supervisor or ciso security role must approve it", approver.Name).
			WithJa("職務の分離のため、このサービスの利用を申請した%sさんは承認できません。統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ別の職員が承認してください。", approver.Name)
	}
	return nil
}

// CloudRequestChangeRefusal refuses the approval by the person who last
// changed the request (its answers or terms) while it waited: shaping a
// request is asking for it.
func CloudRequestChangeRefusal(a Actor, approver *Person, changedBy string) error {
	if changedBy != "" && (a.PersonID == changedBy || approver.ID == changedBy) {
		return Errorf(EFORBIDDEN, "separation of duties (職務の分離): %s last changed this request and so cannot approve it; another person holding the supervisor or ciso security role must approve it", approver.Name).
			WithJa("職務の分離のため、この申請を最後に変更した%sさんは承認できません。統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ別の職員が承認してください。", approver.Name)
	}
	return nil
}

// CloudService is an external service used under the provider's standard
// terms (約款による外部サービス), as opposed to a negotiated contract.
type CloudService struct {
	ID                   string             `json:"id" doc:"UUIDv7 of the service."`
	Name                 string             `json:"name" doc:"Name of the service." example:"ファイル転送サービス"`
	Provider             string             `json:"provider" doc:"Who provides it."`
	ServiceURL           string             `json:"service_url,omitempty" format:"uri" doc:"The service's address."`
	TermsURL             string             `json:"terms_url" format:"uri" doc:"Where the terms of service are published."`
	TermsVersion         string             `json:"terms_version" doc:"Version or date of the terms that were read."`
	TermsReviewedAt      Date               `json:"terms_reviewed_at,omitzero" format:"date" doc:"When staff read the terms."`
	PermittedUses        []string           `json:"permitted_uses" doc:"Business tasks that may use the service."`
	InformationAssets    []InformationAsset `json:"information_assets" doc:"Information the service handles; never confidentiality 2 or above."`
	ResponsiblePersonID  string             `json:"responsible_person_id" doc:"Our person responsible for the service."`
	DepartmentID         string             `json:"department_id" doc:"The department using the service."`
	Status               CloudServiceStatus `json:"status" enum:"requested,approved,rejected,retired" doc:"requested → approved or rejected → retired; a new terms version or terms address returns it to requested."`
	RequesterID          string             `json:"requester_id,omitempty" doc:"Who asked for the service: the caller's person at registration, or at the last terms change that sent it back to requested. This person cannot approve it."`
	ApproverID           string             `json:"approver_id,omitempty" doc:"Who approved it."`
	ApprovedOn           Date               `json:"approved_on,omitzero" format:"date" doc:"When it was approved."`
	StatusReason         string             `json:"status_reason,omitempty" doc:"Why it was rejected or retired, or sent back for approval."`
	TermsChecks          []TermsCheck       `json:"terms_checks" doc:"The terms-of-service risk checklist, each answer with the terms it was given for; stale ones must be answered again before approval."`
	ReviewIntervalMonths int                `json:"review_interval_months" doc:"Months between periodic reviews."`
	LastReviewedOn       Date               `json:"last_reviewed_on,omitzero" format:"date" doc:"When it was last reviewed."`
	NextReviewDue        Date               `json:"next_review_due,omitzero" format:"date" doc:"When the next periodic review is due: the last review (or approval) plus the interval. Absent unless approved. Moved to the previous business day when it falls on a Saturday, Sunday, national holiday or closure day."`
	NextReviewDueNominal Date               `json:"next_review_due_nominal,omitzero" format:"date" doc:"The review date the rule gives, before the move to a business day."`
	Version              int                `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt            time.Time          `json:"created_at" doc:"When it was registered (RFC 3339, UTC)."`
	UpdatedAt            time.Time          `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// CloudServiceInput is what a client writes when requesting or replacing a
// service.
type CloudServiceInput struct {
	Name                 string             `json:"name" minLength:"1" maxLength:"200" doc:"Name of the service." example:"ファイル転送サービス" validate:"required,max=200"`
	Provider             string             `json:"provider" minLength:"1" maxLength:"200" doc:"Who provides it." example:"Example Cloud株式会社" validate:"required,max=200"`
	ServiceURL           string             `json:"service_url,omitempty" maxLength:"500" format:"uri" doc:"The service's address." example:"https://transfer.example.com" validate:"omitempty,url,max=500"`
	TermsURL             string             `json:"terms_url" maxLength:"500" format:"uri" doc:"Where the terms of service are published." example:"https://transfer.example.com/terms" validate:"required,url,max=500"`
	TermsVersion         string             `json:"terms_version" minLength:"1" maxLength:"100" doc:"Version or date of the terms that were read." example:"2026-04-01版" validate:"required,max=100"`
	TermsReviewedAt      Date               `json:"terms_reviewed_at,omitzero" format:"date" doc:"When staff read the terms." example:"2026-11-10"`
	PermittedUses        []string           `json:"permitted_uses,omitempty" maxItems:"50" doc:"Business tasks that may use the service." example:"[\"公開資料の外部への送付\"]" validate:"max=50,dive,required,max=200"`
	InformationAssets    []InformationAsset `json:"information_assets,omitempty" maxItems:"100" doc:"Information the service handles; confidentiality 2 or above is refused." validate:"max=100,dive"`
	ResponsiblePersonID  string             `json:"responsible_person_id" format:"uuid" doc:"Our person responsible for the service." validate:"required,uuid"`
	DepartmentID         string             `json:"department_id" format:"uuid" doc:"The department using the service." validate:"required,uuid"`
	TermsChecks          []TermsCheck       `json:"terms_checks,omitempty" maxItems:"50" doc:"Answers to the terms-of-service risk checklist; all are needed, for the current terms, before approval. A change of terms_version or terms_url marks every answer stale, including those sent with it." validate:"max=50,dive"`
	ReviewIntervalMonths int                `json:"review_interval_months,omitempty" minimum:"1" maximum:"60" doc:"Months between periodic reviews; the settings' default (12) when omitted." validate:"omitempty,min=1,max=60"`
}

// Normalize fills defaults and trims lists.
func (in *CloudServiceInput) Normalize(p PolicySettings) {
	if in.ReviewIntervalMonths == 0 {
		in.ReviewIntervalMonths = p.DefaultReviewIntervalMonths
	}
	if in.PermittedUses == nil {
		in.PermittedUses = []string{}
	}
	if in.InformationAssets == nil {
		in.InformationAssets = []InformationAsset{}
	}
	if in.TermsChecks == nil {
		in.TermsChecks = []TermsCheck{}
	}
	in.TermsVersion = strings.TrimSpace(in.TermsVersion)
	in.TermsURL = strings.TrimSpace(in.TermsURL)
}

// NextReviewDue is the last review (or approval) plus the interval; unset
// unless approved.
func NextReviewDue(approved bool, approvedOn, lastReviewedOn Date, months int) Date {
	if !approved {
		return Date{}
	}
	from := approvedOn
	if lastReviewedOn.After(from) {
		from = lastReviewedOn
	}
	if from.IsZero() {
		return Date{}
	}
	return from.AddMonths(months)
}

// CloudServiceFilter narrows ListCloudServices.
type CloudServiceFilter struct {
	Status              CloudServiceStatus
	ResponsiblePersonID string
	ReviewDueBefore     Date
	Q                   string
	// FiscalYear keeps the services whose next review is due in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// CloudServiceService manages services under standard terms.
type CloudServiceService interface {
	// FindCloudService returns one service. ENOTFOUND.
	FindCloudService(ctx context.Context, id string) (*CloudService, error)
	// ListCloudServices returns a page of services. EINVALID.
	ListCloudServices(ctx context.Context, f CloudServiceFilter, p PageRequest) (Page[*CloudService], error)
	// CreateCloudService registers a requested service; the caller's person
	// is the requester. EINVALID, also for information of confidentiality 2
	// or above (no override).
	CreateCloudService(ctx context.Context, in CloudServiceInput) (*CloudService, error)
	// ReplaceCloudService replaces a service's fields. A new terms_version or
	// terms_url marks every checklist answer stale, and on an approved service
	// sends it back to requested with the caller as its requester. EINVALID
	// (the confidentiality rule included), ECONFLICT once retired, ENOTFOUND,
	// ESTALE.
	ReplaceCloudService(ctx context.Context, id string, ifVersion *int, in CloudServiceInput) (*CloudService, error)
	// ApproveCloudService approves a requested service. EFORBIDDEN unless the
	// caller's person holds the supervisor or ciso role and is not the
	// requester; EINVALID while a checklist item is unanswered or stale;
	// ECONFLICT unless requested; ESTALE.
	ApproveCloudService(ctx context.Context, id string, ifVersion *int) (*CloudService, error)
	// RejectCloudService rejects a requested service with a reason.
	// EINVALID, ECONFLICT unless requested, ESTALE.
	RejectCloudService(ctx context.Context, id string, ifVersion *int, reason string) (*CloudService, error)
	// RetireCloudService retires an approved or rejected service with a
	// reason. EINVALID, ECONFLICT from other statuses, ESTALE.
	RetireCloudService(ctx context.Context, id string, ifVersion *int, reason string) (*CloudService, error)
}
