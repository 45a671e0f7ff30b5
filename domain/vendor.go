package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// VendorStatus is where a contractor (外部委託事業者) stands.
type VendorStatus string

// Vendor statuses: candidate → approved → suspended → terminated; a suspended
// vendor may return to approved.
const (
	VendorCandidate  VendorStatus = "candidate"
	VendorApproved   VendorStatus = "approved"
	VendorSuspended  VendorStatus = "suspended"
	VendorTerminated VendorStatus = "terminated"
)

// vendorTransitions lists the statuses each status may move to.
var vendorTransitions = map[VendorStatus][]VendorStatus{
	VendorCandidate: {VendorApproved, VendorTerminated},
	VendorApproved:  {VendorSuspended, VendorTerminated},
	VendorSuspended: {VendorApproved, VendorTerminated},
}

// CanMoveTo reports whether a vendor in status s may move to next.
func (s VendorStatus) CanMoveTo(next VendorStatus) bool {
	for _, n := range vendorTransitions[s] {
		if n == next {
			return true
		}
	}
	return false
}

// RiskTier is a vendor's risk tier, derived from its active contracts.
type RiskTier string

// Risk tiers.
const (
	RiskHigh   RiskTier = "high"
	RiskMedium RiskTier = "medium"
	RiskLow    RiskTier = "low"
	// RiskUnassessed is a vendor with no active contract: nothing it
	// handles has been assessed, which is not the same as low.
	RiskUnassessed RiskTier = "unassessed"
)

// ContractRiskInput is what the tier rule needs to know of one contract.
type ContractRiskInput struct {
	Active                bool
	Assets                []InformationAsset
	SubcontractingAllowed bool
}

// DeriveRiskTier is the tier rule, the one place it lives. Over a vendor's
// active contracts:
//   - high when one handles confidentiality 3 (any sub-grade), or
//     confidentiality 2 and allows subcontracting (再委託);
//   - medium when one handles confidentiality 2, or information of
//     integrity 2 or availability 2;
//   - low otherwise;
//   - unassessed when the vendor has no active contract.
func DeriveRiskTier(contracts []ContractRiskInput) RiskTier {
	tier := RiskUnassessed
	for _, c := range contracts {
		if !c.Active {
			continue
		}
		if tier == RiskUnassessed {
			tier = RiskLow
		}
		switch level := HighestConfidentiality(c.Assets).Level(); {
		case level >= 3, level == 2 && c.SubcontractingAllowed:
			return RiskHigh
		case level == 2 || raisesIntegrityOrAvailability(c.Assets):
			tier = RiskMedium
		}
	}
	return tier
}

// raisesIntegrityOrAvailability reports whether any asset is of integrity 2
// or availability 2.
func raisesIntegrityOrAvailability(assets []InformationAsset) bool {
	for _, a := range assets {
		if a.Classification.Integrity >= 2 || a.Classification.Availability >= 2 {
			return true
		}
	}
	return false
}

// ValidateCorporateNumber checks a 法人番号: 13 digits whose first digit is
// the check digit of the other twelve (9 − (Σ Pn×Qn mod 9), Qn = 1 for odd
// and 2 for even n, counted from the last digit). It returns a sentence
// saying what is wrong, or "".
func ValidateCorporateNumber(s string) string {
	en, _ := corporateNumberProblem(s)
	return en
}

// corporateNumberProblem is ValidateCorporateNumber with the Japanese
// sentence (a whole one, naming 法人番号) for the staff pages.
func corporateNumberProblem(s string) (en, ja string) {
	const notDigits = "法人番号は13桁の数字で入力してください。"
	if utf8.RuneCountInString(s) != 13 {
		return "must be 13 digits", notDigits
	}
	digits := make([]int, 13)
	for i, r := range s {
		if r < '0' || r > '9' {
			return "must be 13 digits", notDigits
		}
		digits[i] = int(r - '0')
	}
	sum := 0
	for n := 1; n <= 12; n++ {
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += digits[13-n] * q
	}
	if want := 9 - sum%9; digits[0] != want {
		return fmt.Sprintf("check digit is %d but the other twelve digits need %d: the number is mistyped", digits[0], want),
			fmt.Sprintf("法人番号の検査用数字が%dですが、残りの12桁からは%dになるはずです。番号を確認してください。", digits[0], want)
	}
	return "", ""
}

// CertificationKind is a kind of security certification.
type CertificationKind string

// Certification kinds.
const (
	CertISO27001    CertificationKind = "iso27001"
	CertISMAP       CertificationKind = "ismap"
	CertPrivacyMark CertificationKind = "privacy_mark"
	CertSOC2        CertificationKind = "soc2"
	CertOther       CertificationKind = "other"
)

// Certification is a vendor's certification.
type Certification struct {
	Kind       CertificationKind `json:"kind" enum:"iso27001,ismap,privacy_mark,soc2,other" doc:"Kind: ISO/IEC 27001, ISMAP, Privacy Mark (プライバシーマーク), SOC 2, or other." validate:"required,oneof=iso27001 ismap privacy_mark soc2 other"`
	Name       string            `json:"name,omitempty" maxLength:"200" doc:"Name of the certification, for kind other." validate:"max=200"`
	Number     string            `json:"number" minLength:"1" maxLength:"100" doc:"Registration or certificate number." example:"IS 123456" validate:"required,max=100" text:"nfkc"`
	ValidUntil Date              `json:"valid_until" format:"date" doc:"Last day of validity (YYYY-MM-DD)."`
	Expired    bool              `json:"expired" readOnly:"true" doc:"True once valid_until has passed; computed, never written."`
}

// SelectionResultValue is the answer to one selection criterion.
type SelectionResultValue string

// Selection answers.
const (
	SelectionMet           SelectionResultValue = "met"
	SelectionNotMet        SelectionResultValue = "not_met"
	SelectionNotApplicable SelectionResultValue = "not_applicable"
)

// SelectionResult answers one selection criterion.
type SelectionResult struct {
	Criterion string               `json:"criterion" minLength:"1" maxLength:"80" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the selection criterion." example:"sel_security_testing" validate:"required,max=80" text:"nfkc"`
	Result    SelectionResultValue `json:"result" enum:"met,not_met,not_applicable" doc:"met, not_met or not_applicable." validate:"required,oneof=met not_met not_applicable"`
	Note      string               `json:"note,omitempty" maxLength:"2000" doc:"Evidence or remarks; for not_met, the written justification for selecting the vendor nonetheless." validate:"max=2000" text:"multiline"`
}

// SelectionRecord is the record of how a contractor was selected (選定).
type SelectionRecord struct {
	SelectedBy string            `json:"selected_by" format:"uuid" doc:"The person who made the selection." validate:"required,uuid"`
	SelectedOn Date              `json:"selected_on" format:"date" doc:"When the selection was made."`
	Results    []SelectionResult `json:"results" maxItems:"100" doc:"One answer per selection criterion." validate:"max=100,dive"`
}

// SelectionProblems returns, per criterion code, what keeps a selection
// record from supporting an approval: an active criterion without an answer,
// a criterion answered twice, or a not_met without a justification. Answers
// to unknown criteria are refused when the record is saved.
func SelectionProblems(rec *SelectionRecord, criteria []*CatalogueItem) FieldErrors {
	var fe FieldErrors
	if rec == nil {
		fe.AddJa("selection", "record the selection (PUT /v1/vendors/{id}/selection) before approving", "承認の前に、選定の記録を登録してください。", nil)
		return fe
	}
	answered := map[string]SelectionResult{}
	for i, r := range rec.Results {
		if _, dup := answered[r.Criterion]; dup {
			fe.AddJa(fmt.Sprintf("selection.results[%d].criterion", i), "criterion answered twice", "同じ選定基準に二度回答しています。", r.Criterion)
		}
		answered[r.Criterion] = r
	}
	for _, c := range criteria {
		if c.RetiredAt != nil {
			continue
		}
		r, ok := answered[c.Code]
		switch {
		case !ok:
			fe.AddJa("selection.results", "criterion "+c.Code+" has no answer", "選定基準"+c.Code+"に回答していません。", c.Code)
		case r.Result == SelectionNotMet && strings.TrimSpace(r.Note) == "":
			fe.AddJa("selection.results", "criterion "+c.Code+" is not_met and needs a written justification in its note",
				"選定基準"+c.Code+"は「満たさない」のため、備考にその判断の理由を記入してください。", c.Code)
		}
	}
	return fe
}

// MayApproveVendor says whether approver may approve a vendor selected as
// in sel and recorded by recordedBy: an active person holding a security
// role (manager or above) who neither made the selection (selected_by) nor
// wrote its record (職務の分離). It returns an EFORBIDDEN error saying why
// not, or nil.
func MayApproveVendor(approver *Person, sel *SelectionRecord, recordedBy string) error {
	if approver == nil || !approver.Active || !HoldsSecurityRole(approver) {
		return Errorf(EFORBIDDEN, "approving a vendor needs a caller whose person is active and holds the manager (情報セキュリティ責任者), supervisor or ciso security role").
			WithJa("委託事業者を承認できるのは、在職中で、情報セキュリティ責任者、統括情報セキュリティ責任者又は最高情報セキュリティ責任者のいずれかの役割を持つ職員です。")
	}
	if (sel != nil && sel.SelectedBy == approver.ID) || recordedBy == approver.ID {
		return Errorf(EFORBIDDEN, "%s recorded the selection and cannot approve the vendor too: a second person must approve (separation of duties)", approver.Name).
			WithJa("%sさんは選定を記録した本人のため、この委託事業者を承認することはできません。職務の分離のため、別の職員が承認してください。", approver.Name)
	}
	return nil
}

// ReinstatementRefusal says whether a suspended vendor may return to
// approved: only through a selection recorded after the suspension, or an
// explicit reason. It returns an EINVALID error naming reason, or nil.
func ReinstatementRefusal(suspendedAt, selectionRecordedAt *time.Time, reason string) error {
	if strings.TrimSpace(reason) != "" {
		return nil
	}
	if suspendedAt != nil && selectionRecordedAt != nil && selectionRecordedAt.After(*suspendedAt) {
		return nil
	}
	return Invalid("a suspended vendor returns to approved only through a new selection record or an explicit reason",
		FieldError{Field: "reason", Message: "say why the suspension ends, or record a new selection (PUT /v1/vendors/{id}/selection) first",
			Ja: "停止を解除する理由を入力するか、先に新しい選定を記録してください。"}).
		WithJa("停止中の委託事業者を承認済みに戻すには、新しい選定の記録又は明示的な理由が必要です。")
}

// VendorContact is the vendor's contact point.
type VendorContact struct {
	Name  string `json:"name,omitempty" maxLength:"200" doc:"Contact person." example:"田中 三郎" validate:"max=200"`
	Email string `json:"email,omitempty" maxLength:"254" format:"email" doc:"Contact e-mail." example:"tanaka@example.co.jp" validate:"omitempty,email,max=254" text:"nfkc"`
	Phone string `json:"phone,omitempty" maxLength:"40" doc:"Contact phone." example:"03-1234-5678" validate:"max=40" text:"nfkc"`
}

// Vendor is an outsourcing contractor (外部委託事業者).
type Vendor struct {
	ID                  string           `json:"id" doc:"UUIDv7 of the vendor."`
	Name                string           `json:"name" doc:"Registered name." example:"株式会社クリーン環境サービス"`
	Kana                string           `json:"kana,omitempty" doc:"Reading of the name in katakana." example:"カブシキガイシャクリーンカンキョウサービス"`
	CorporateNumber     string           `json:"corporate_number,omitempty" pattern:"^[0-9]{13}$" doc:"法人番号, 13 digits." example:"7000012050002"`
	Address             string           `json:"address,omitempty" doc:"Registered address."`
	Website             string           `json:"website,omitempty" format:"uri" doc:"Website URL."`
	Contact             VendorContact    `json:"contact" doc:"Contact point."`
	OwnerID             string           `json:"owner_id" doc:"Our person in charge of the vendor."`
	Notes               string           `json:"notes,omitempty" doc:"Free notes."`
	Status              VendorStatus     `json:"status" enum:"candidate,approved,suspended,terminated" doc:"candidate → approved → suspended → terminated; suspended may return to approved."`
	RiskTier            RiskTier         `json:"risk_tier" enum:"high,medium,low,unassessed" doc:"Derived from the active contracts (domain.DeriveRiskTier): high when one handles confidentiality 3, or 2 with subcontracting; medium when one handles 2, or integrity 2 or availability 2; else low; unassessed without an active contract."`
	Certifications      []Certification  `json:"certifications" doc:"Security certifications."`
	Selection           *SelectionRecord `json:"selection,omitempty" doc:"How the vendor was selected; required before approval."`
	StatusReason        string           `json:"status_reason,omitempty" doc:"Why the vendor was last suspended, reinstated or terminated."`
	StatusChangedAt     *time.Time       `json:"status_changed_at,omitempty" doc:"When the status last changed (RFC 3339, UTC)."`
	ApprovedBy          string           `json:"approved_by,omitempty" format:"uuid" doc:"The person who last approved the vendor: never the one who recorded the selection."`
	SelectionRecordedAt *time.Time       `json:"selection_recorded_at,omitempty" doc:"When the selection record was last written (RFC 3339, UTC)."`
	Version             int              `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt           time.Time        `json:"created_at" doc:"When the vendor was registered (RFC 3339, UTC)."`
	UpdatedAt           time.Time        `json:"updated_at" doc:"When the vendor last changed (RFC 3339, UTC)."`
}

// VendorInput is what a client writes when registering or replacing a vendor.
type VendorInput struct {
	Name            string          `json:"name" minLength:"1" maxLength:"200" doc:"Registered name." example:"株式会社クリーン環境サービス" validate:"required,max=200"`
	Kana            string          `json:"kana,omitempty" maxLength:"200" doc:"Reading of the name in katakana." example:"カブシキガイシャクリーンカンキョウサービス" validate:"max=200"`
	CorporateNumber string          `json:"corporate_number,omitempty" pattern:"^[0-9０-９]{13}$" doc:"法人番号: 13 digits, the first being the check digit. Full-width digits are accepted and stored as ASCII." example:"7000012050002" text:"nfkc"`
	Address         string          `json:"address,omitempty" maxLength:"500" doc:"Registered address." example:"東京都千代田区霞が関1-1-1" validate:"max=500"`
	Website         string          `json:"website,omitempty" maxLength:"500" format:"uri" doc:"Website URL." example:"https://clean.example.co.jp" validate:"omitempty,url,max=500"`
	Contact         VendorContact   `json:"contact,omitzero" doc:"Contact point."`
	OwnerID         string          `json:"owner_id" format:"uuid" doc:"Our person in charge of the vendor." validate:"required,uuid"`
	Notes           string          `json:"notes,omitempty" maxLength:"4000" doc:"Free notes." validate:"max=4000" text:"multiline"`
	Certifications  []Certification `json:"certifications,omitempty" maxItems:"50" doc:"Security certifications; the list replaces the stored one." validate:"max=50,dive"`
}

// Check applies the rules validator tags cannot express.
func (in *VendorInput) Check() FieldErrors {
	var fe FieldErrors
	if in.CorporateNumber != "" {
		if msg, ja := corporateNumberProblem(in.CorporateNumber); msg != "" {
			fe.AddJa("corporate_number", "corporate number (法人番号) "+msg, ja, in.CorporateNumber)
		}
	}
	for i, c := range in.Certifications {
		if c.ValidUntil.IsZero() {
			fe.AddJa(fmt.Sprintf("certifications[%d].valid_until", i), "is required", "入力してください。", nil)
		}
	}
	return fe
}

// VendorFilter narrows ListVendors; zero values do not filter.
type VendorFilter struct {
	Status   VendorStatus
	OwnerID  string
	RiskTier RiskTier
	// Q matches part of the name or kana.
	Q string
	// CertificationExpiringBefore selects vendors with a certification whose
	// valid_until is before this date.
	CertificationExpiringBefore Date
}

// VendorService manages vendors.
type VendorService interface {
	// FindVendor returns one vendor. ENOTFOUND.
	FindVendor(ctx context.Context, id string) (*Vendor, error)
	// ListVendors returns a page of vendors. EINVALID for a bad cursor.
	ListVendors(ctx context.Context, f VendorFilter, p PageRequest) (Page[*Vendor], error)
	// CreateVendor registers a candidate vendor. EINVALID (also for a wrong
	// corporate-number check digit or an unknown owner), ECONFLICT for a
	// corporate number already registered.
	CreateVendor(ctx context.Context, in VendorInput) (*Vendor, error)
	// ReplaceVendor replaces a vendor's fields. ENOTFOUND, EINVALID,
	// ECONFLICT, ESTALE.
	ReplaceVendor(ctx context.Context, id string, ifVersion *int, in VendorInput) (*Vendor, error)
	// DeleteVendor deletes a vendor without contracts. ENOTFOUND, ESTALE,
	// ECONFLICT while contracts exist.
	DeleteVendor(ctx context.Context, id string, ifVersion *int) error
	// RecordSelection stores the selection record. ENOTFOUND, EINVALID
	// (unknown criterion or person), ECONFLICT once the vendor is terminated,
	// ESTALE.
	RecordSelection(ctx context.Context, id string, ifVersion *int, rec SelectionRecord) (*Vendor, error)
	// ChangeVendorStatus moves a vendor to another status. Approval needs a
	// complete selection record (EINVALID naming the criteria) and a caller
	// whose person holds a security role and did not record the selection
	// (EFORBIDDEN). A suspended vendor returns to approved with a reason (a
	// reinstatement) or after a new selection record; a reason on the
	// approval of any other vendor is ECONFLICT. ECONFLICT for a transition
	// the status does not allow; ENOTFOUND, ESTALE.
	ChangeVendorStatus(ctx context.Context, id string, ifVersion *int, to VendorStatus, reason string) (*Vendor, error)
}
