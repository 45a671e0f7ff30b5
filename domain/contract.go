package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ContractStatus is where an outsourcing contract stands.
type ContractStatus string

// Contract statuses: draft → active → expired | terminated.
const (
	ContractDraft      ContractStatus = "draft"
	ContractActive     ContractStatus = "active"
	ContractExpired    ContractStatus = "expired"
	ContractTerminated ContractStatus = "terminated"
)

// ClauseStatus is how a contract covers one security clause.
type ClauseStatus string

// Clause statuses.
const (
	ClauseIncluded ClauseStatus = "included"
	ClauseMissing  ClauseStatus = "missing"
	ClauseWaived   ClauseStatus = "waived"
)

// ClauseCoverage is one catalogue clause and its status on a contract.
type ClauseCoverage struct {
	Code         string        `json:"code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the clause."`
	TitleJa      string        `json:"title_ja" doc:"Title in Japanese."`
	TitleEn      string        `json:"title_en" doc:"Title in English."`
	Mandatory    bool          `json:"mandatory" doc:"Whether activation needs the clause included or waived."`
	Retired      bool          `json:"retired" doc:"Whether the clause is retired from the catalogue."`
	Status       ClauseStatus  `json:"status" enum:"included,missing,waived" doc:"included (with the article), missing, or waived (with the reason). A waiver counts only once approved; see waiver."`
	ArticleRef   string        `json:"article_ref,omitempty" doc:"Where the contract states it, e.g. 第12条."`
	WaiverReason string        `json:"waiver_reason,omitempty" doc:"Why the clause is waived."`
	Waiver       *ClauseWaiver `json:"waiver,omitempty" doc:"The waiver behind status waived: who asked, and who approved it and when. While pending, the clause counts as missing."`
	Amendment    *ClauseWaiver `json:"amendment,omitempty" doc:"On an active contract, a waiver asked for a covered clause: it waits beside the clause's current status until a second person approves it, then becomes the waiver."`
}

// ClauseWaiver is a request to waive a clause and its approval (職務の分離:
// the person who asks is never the one who approves).
type ClauseWaiver struct {
	Reason      string     `json:"reason" doc:"Why the clause is to be waived."`
	RequestedBy string     `json:"requested_by,omitempty" format:"uuid" doc:"The person who asked for the waiver; absent for the system."`
	RequestedAt *time.Time `json:"requested_at,omitempty" doc:"When the waiver was asked for (RFC 3339, UTC)."`
	ApprovedBy  string     `json:"approved_by,omitempty" format:"uuid" doc:"The person who approved it; absent while pending, and for waivers recorded before approvals existed."`
	ApprovedAt  *time.Time `json:"approved_at,omitempty" doc:"When it was approved (RFC 3339, UTC); absent while pending."`
	// Pending reports whether the waiver still waits for its approval.
	Pending bool `json:"pending" doc:"True while the waiver waits for approval by a second person."`
}

// Approved reports whether the waiver is in force.
func (w *ClauseWaiver) Approved() bool { return w != nil && w.ApprovedAt != nil }

// MayApproveWaiver says whether approver may approve a waiver asked for by
// requestedBy: a second person (職務の分離) holding the manager, supervisor
// or ciso security role. It returns an EFORBIDDEN error saying why not, or
// nil.
func MayApproveWaiver(approver *Person, requestedBy string) error {
	if approver == nil || !approver.Active {
		return Errorf(EFORBIDDEN, "approving a clause waiver needs a caller whose person is active and holds the manager, supervisor or ciso security role").
			WithJa("条項の適用除外を承認できるのは、在職中で、情報セキュリティ責任者、統括情報セキュリティ責任者又は最高情報セキュリティ責任者のいずれかのセキュリティ上の役割を持つ職員です。")
	}
	if !HoldsSecurityRole(approver) {
		return Errorf(EFORBIDDEN, "approving a clause waiver needs the manager (情報セキュリティ責任者), supervisor or ciso security role; %s holds none", approver.Name).
			WithJa("条項の適用除外の承認には、情報セキュリティ責任者、統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割が必要ですが、%sさんはいずれも持っていません。", approver.Name)
	}
	if approver.ID == requestedBy {
		return Errorf(EFORBIDDEN, "%s asked for this waiver and cannot approve it too: a second person must approve (separation of duties)", approver.Name).
			WithJa("%sさんはこの適用除外を申請した本人のため、承認することはできません。職務の分離のため、別の職員が承認してください。", approver.Name)
	}
	return nil
}

// HoldsSecurityRole reports whether the person holds any security role
// (manager or above).
func HoldsSecurityRole(p *Person) bool {
	return p != nil && len(p.SecurityRoles) > 0
}

// ClauseCoverageInput sets one clause's status on a contract.
type ClauseCoverageInput struct {
	Status       ClauseStatus `json:"status" enum:"included,missing,waived" doc:"included, missing or waived." validate:"required,oneof=included missing waived"`
	ArticleRef   string       `json:"article_ref,omitempty" maxLength:"100" doc:"Where the contract states the clause; required for included." example:"第12条" validate:"max=100"`
	WaiverReason string       `json:"waiver_reason,omitempty" maxLength:"2000" doc:"Why the clause is waived; required for waived." validate:"max=2000" text:"multiline"`
}

// Check applies the rules that depend on the status.
func (in ClauseCoverageInput) Check() FieldErrors {
	var fe FieldErrors
	switch in.Status {
	case ClauseIncluded:
		if strings.TrimSpace(in.ArticleRef) == "" {
			fe.AddJa("article_ref", "an included clause needs the article of the contract that states it", "条項を含める場合は、その条項を定める契約書の条を入力してください。", nil)
		}
	case ClauseWaived:
		if strings.TrimSpace(in.WaiverReason) == "" {
			fe.AddJa("waiver_reason", "a waived clause needs a written reason", "適用除外とする場合は、その理由を入力してください。", nil)
		}
	}
	return fe
}

// Addressed reports whether a contract's clause of this status is dealt
// with for the contract list's missing_clause filter: included, or waived
// (approved or still waiting). A contract is listed as missing a clause
// when it has no clause of that code in an addressed status, whether the
// clause is mandatory, retired or neither. The filter is wider than
// MissingClauses, the activation gate, which counts only mandatory,
// unretired clauses and a waiver only once approved. The store persists
// this rule's result per contract and clause (contract_missing_clauses) so
// that the filter reads an index.
func (s ClauseStatus) Addressed() bool {
	return s == ClauseIncluded || s == ClauseWaived
}

// ClauseStatuses lists every clause status.
var ClauseStatuses = []ClauseStatus{ClauseIncluded, ClauseMissing, ClauseWaived}

// AddressedClauseStatuses returns the statuses that Addressed accepts, for
// queries that apply the rule to many rows at once.
func AddressedClauseStatuses() []ClauseStatus {
	var out []ClauseStatus
	for _, s := range ClauseStatuses {
		if s.Addressed() {
			out = append(out, s)
		}
	}
	return out
}

// MissingClauses returns the codes of the mandatory, unretired clauses that
// keep a contract from activation: neither included nor waived with a
// reason and an approval. A waiver still waiting for its approval counts as
// missing.
func MissingClauses(coverage []ClauseCoverage) []string {
	var missing []string
	for _, c := range coverage {
		if !c.Mandatory || c.Retired {
			continue
		}
		switch {
		case c.Status == ClauseIncluded:
		case c.Status == ClauseWaived && strings.TrimSpace(c.WaiverReason) != "" && c.Waiver.Approved():
		default:
			missing = append(missing, c.Code)
		}
	}
	return missing
}

// Contract is an outsourcing contract (委託契約) with a vendor.
type Contract struct {
	ID                         string             `json:"id" doc:"UUIDv7 of the contract."`
	VendorID                   string             `json:"vendor_id" doc:"The contractor."`
	Title                      string             `json:"title" doc:"Title of the contract." example:"粗大ごみ受付システム運用保守業務委託"`
	Scope                      string             `json:"scope,omitempty" doc:"What is outsourced (委託内容)."`
	StartDate                  Date               `json:"start_date" format:"date" doc:"First day of the contract."`
	EndDate                    Date               `json:"end_date,omitzero" format:"date" doc:"Last day of the contract; absent for open-ended."`
	FiscalYear                 int                `json:"fiscal_year" readOnly:"true" doc:"The fiscal year (年度, April to March) of the start date: 2026 for a contract starting between 2026-04-01 and 2027-03-31. Derived."`
	AutoRenew                  bool               `json:"auto_renew" doc:"Whether the contract renews itself unless notice is given."`
	RenewalTermMonths          int                `json:"renewal_term_months" doc:"For auto_renew: months the due-scan adds to the end date each time it passes."`
	NoticePeriodDays           int                `json:"notice_period_days" doc:"Days of notice before the end date."`
	WorkLocation               string             `json:"work_location,omitempty" doc:"Where the work is done."`
	VendorManagerName          string             `json:"vendor_manager_name,omitempty" doc:"The vendor's responsible manager (責任者)."`
	SubcontractingAllowed      bool               `json:"subcontracting_allowed" doc:"Whether subcontracting (再委託) is allowed."`
	Subcontractors             []string           `json:"subcontractors" doc:"Named subcontractors."`
	OwnerID                    string             `json:"owner_id" doc:"Our person in charge of the contract."`
	InformationAssets          []InformationAsset `json:"information_assets" doc:"Information the contractor handles, with its classification."`
	Status                     ContractStatus     `json:"status" enum:"draft,active,expired,terminated" doc:"draft → active → expired or terminated."`
	TerminationReason          string             `json:"termination_reason,omitempty" doc:"Why the contract was terminated."`
	LastConfirmedOn            Date               `json:"last_confirmed_on,omitzero" format:"date" doc:"When the last security confirmation was completed."`
	NextConfirmationDue        Date               `json:"next_confirmation_due,omitzero" format:"date" doc:"When the next security confirmation is due: the last completed one (or the start date) plus the vendor tier's interval, or confirmation_before_end_days before the end when the interval would land after it (単年度契約); moved to the previous business day when that falls on a Saturday, Sunday, national holiday or closure day. Derived; absent unless active, or when the confirmation before the end is done."`
	RenewalReviewDue           Date               `json:"renewal_review_due,omitzero" format:"date" doc:"When the renewal review is due: end date minus notice period minus the review lead, moved to the previous business day when that falls on a Saturday, Sunday, national holiday or closure day. Derived; absent unless active with an end date."`
	RenewalReviewDueNominal    Date               `json:"renewal_review_due_nominal,omitzero" format:"date" doc:"The renewal review date the rule gives, before it is moved to a business day."`
	NextConfirmationDueNominal Date               `json:"next_confirmation_due_nominal,omitzero" format:"date" doc:"The confirmation date the rule gives, before it is moved to a business day."`
	Version                    int                `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt                  time.Time          `json:"created_at" doc:"When the contract was registered (RFC 3339, UTC)."`
	UpdatedAt                  time.Time          `json:"updated_at" doc:"When the contract last changed (RFC 3339, UTC)."`
}

// ContractInput is what a client writes when creating or replacing a contract.
type ContractInput struct {
	VendorID              string             `json:"vendor_id" format:"uuid" doc:"The contractor." validate:"required,uuid"`
	Title                 string             `json:"title" minLength:"1" maxLength:"300" doc:"Title of the contract." example:"粗大ごみ受付システム運用保守業務委託" validate:"required,max=300"`
	Scope                 string             `json:"scope,omitempty" maxLength:"4000" doc:"What is outsourced (委託内容)." example:"粗大ごみ受付システムの運用保守及び障害対応" validate:"max=4000" text:"multiline"`
	StartDate             Date               `json:"start_date" format:"date" doc:"First day of the contract." example:"2026-04-01"`
	EndDate               Date               `json:"end_date,omitzero" format:"date" doc:"Last day of the contract; omit for open-ended." example:"2027-03-31"`
	AutoRenew             bool               `json:"auto_renew,omitempty" doc:"Whether the contract renews itself unless notice is given; when its end date passes, the due-scan extends it by renewal_term_months."`
	RenewalTermMonths     int                `json:"renewal_term_months,omitempty" minimum:"0" maximum:"120" doc:"Months of each automatic renewal; 12 when left out." example:"12" validate:"min=0,max=120"`
	NoticePeriodDays      int                `json:"notice_period_days,omitempty" minimum:"0" maximum:"730" doc:"Days of notice before the end date." example:"30" validate:"min=0,max=730"`
	WorkLocation          string             `json:"work_location,omitempty" maxLength:"500" doc:"Where the work is done." example:"受託者本社（東京都千代田区）" validate:"max=500"`
	VendorManagerName     string             `json:"vendor_manager_name,omitempty" maxLength:"200" doc:"The vendor's responsible manager (責任者)." validate:"max=200"`
	SubcontractingAllowed bool               `json:"subcontracting_allowed,omitempty" doc:"Whether subcontracting (再委託) is allowed."`
	Subcontractors        []string           `json:"subcontractors,omitempty" maxItems:"50" doc:"Named subcontractors; only when subcontracting is allowed." validate:"max=50,dive,required,max=200"`
	OwnerID               string             `json:"owner_id" format:"uuid" doc:"Our person in charge of the contract." validate:"required,uuid"`
	InformationAssets     []InformationAsset `json:"information_assets,omitempty" maxItems:"100" doc:"Information the contractor handles, with its classification." validate:"max=100,dive"`
}

// Check applies the rules validator tags cannot express.
func (in *ContractInput) Check() FieldErrors {
	var fe FieldErrors
	if in.StartDate.IsZero() {
		fe.AddJa("start_date", "is required", "入力してください。", nil)
	}
	if !in.EndDate.IsZero() && !in.StartDate.IsZero() && in.EndDate.Before(in.StartDate) {
		fe.AddJa("end_date", "must not be before start_date", "契約開始日より前の日付は指定できません。", in.EndDate.String())
	}
	if !in.SubcontractingAllowed && len(in.Subcontractors) > 0 {
		fe.AddJa("subcontractors", "names subcontractors although subcontracting_allowed is false", "再委託を認めない契約には、再委託先を記載できません。", in.Subcontractors)
	}
	if in.Subcontractors == nil {
		in.Subcontractors = []string{}
	}
	if in.RenewalTermMonths == 0 {
		in.RenewalTermMonths = DefaultRenewalTermMonths
	}
	if in.InformationAssets == nil {
		in.InformationAssets = []InformationAsset{}
	}
	return fe
}

// DefaultRenewalTermMonths is the term of an automatic renewal when the
// contract does not say.
const DefaultRenewalTermMonths = 12

// NoticePeriodRefusal checks that the notice period fits the term: not
// longer than the term itself, and with the renewal review (end date minus
// notice minus the review lead) no earlier than the start date. It returns
// the field errors, naming notice_period_days.
func NoticePeriodRefusal(in ContractInput, p PolicySettings) FieldErrors {
	var fe FieldErrors
	if in.EndDate.IsZero() || in.StartDate.IsZero() || in.EndDate.Before(in.StartDate) {
		return fe
	}
	term := in.StartDate.DaysUntil(in.EndDate) + 1
	switch review := in.EndDate.AddDays(-in.NoticePeriodDays - p.RenewalReviewLeadDays); {
	case in.NoticePeriodDays > term:
		fe.AddJa("notice_period_days", fmt.Sprintf("is longer than the contract's term of %d days", term),
			fmt.Sprintf("契約期間（%d日）より長い予告期間は指定できません。", term), in.NoticePeriodDays)
	case in.NoticePeriodDays > 0 && review.Before(in.StartDate):
		fe.AddJa("notice_period_days", fmt.Sprintf("puts the renewal review (end date − %d days' notice − %d days' review lead = %s) before the start date %s; shorten the notice period",
			in.NoticePeriodDays, p.RenewalReviewLeadDays, review, in.StartDate),
			fmt.Sprintf("更新の見直し日（終了日 − 予告期間%d日 − 見直しの準備期間%d日 ＝ %s）が契約開始日%sより前になります。予告期間を短くしてください。",
				in.NoticePeriodDays, p.RenewalReviewLeadDays, review, in.StartDate), in.NoticePeriodDays)
	}
	return fe
}

// ContractSchedule holds what the due dates of a contract derive from.
type ContractSchedule struct {
	Status           ContractStatus
	StartDate        Date
	EndDate          Date
	NoticePeriodDays int
	LastConfirmedOn  Date
	// LastConfirmationDue is the date the last completed confirmation was
	// due on.
	LastConfirmationDue Date
	Tier                RiskTier
	AutoRenew           bool
	// RenewalTermMonths is the length of an automatic renewal.
	RenewalTermMonths int
	// RenewalReviewedFor is the end date whose renewal review is done.
	RenewalReviewedFor Date
}

// NextConfirmationDue is the last completed confirmation (or the start date)
// plus the tier's interval; unset unless the contract is active. When the
// current term ends before that date (a one-year contract, 単年度契約), the
// confirmation falls due confirmation_before_end_days before the end
// instead, so that no term ends without a confirmation having fallen due
// in it — unless the confirmation completed last in the term was due on or
// after that day.
func (s ContractSchedule) NextConfirmationDue(p PolicySettings) Date {
	if s.Status != ContractActive {
		return Date{}
	}
	from := s.StartDate
	if !s.LastConfirmedOn.IsZero() {
		from = s.LastConfirmedOn
	}
	next := from.AddMonths(p.ConfirmationIntervalMonths.For(s.Tier))
	if s.EndDate.IsZero() || !next.After(s.EndDate) {
		return next
	}
	termStart := s.TermStart()
	beforeEnd := s.EndDate.AddDays(-p.ConfirmationBeforeEndDays)
	if beforeEnd.Before(termStart) {
		beforeEnd = termStart // a term shorter than the lead: due on its first day
	}
	// The confirmation that was due on (or after) that day is done, or one
	// was completed on or after it.
	if !s.LastConfirmedOn.IsZero() && !s.LastConfirmedOn.Before(termStart) &&
		(!s.LastConfirmationDue.Before(beforeEnd) || !s.LastConfirmedOn.Before(beforeEnd)) {
		return Date{}
	}
	return beforeEnd
}

// TermStart is the first day of the contract's current term: the start
// date, or for a contract that renewed itself, the day after the previous
// end (the end date minus one renewal term).
func (s ContractSchedule) TermStart() Date {
	if !s.AutoRenew || s.EndDate.IsZero() || s.RenewalTermMonths <= 0 {
		return s.StartDate
	}
	if t := s.EndDate.AddMonths(-s.RenewalTermMonths).AddDays(1); t.After(s.StartDate) {
		return t
	}
	return s.StartDate
}

// RenewedEnd returns the end date after automatic renewals up to today:
// the end date extended by whole renewal terms until it is no longer
// before today, and how many terms were added (0 when none is due).
func (s ContractSchedule) RenewedEnd(today Date) (Date, int) {
	if !s.AutoRenew || s.EndDate.IsZero() || s.RenewalTermMonths <= 0 {
		return s.EndDate, 0
	}
	end, n := s.EndDate, 0
	for end.Before(today) {
		n++
		// Count from the original end so that month ends stay month ends
		// (2027-02-28 + 12 months is 2028-02-29 only when measured so).
		end = s.EndDate.AddMonths(n * s.RenewalTermMonths)
		if s.EndDate == NewDate(s.EndDate.year, s.EndDate.month+1, 0) {
			end = NewDate(end.year, end.month+1, 0)
		}
	}
	return end, n
}

// RenewalReviewDue is the end date minus the notice period minus the review
// lead; unset unless the contract is active and has an end date whose
// renewal has not been reviewed yet.
func (s ContractSchedule) RenewalReviewDue(p PolicySettings) Date {
	if s.Status != ContractActive || s.EndDate.IsZero() || s.RenewalReviewedFor == s.EndDate {
		return Date{}
	}
	// A term shorter than the review lead is reviewed on its first day.
	return MaxDate(s.EndDate.AddDays(-s.NoticePeriodDays-p.RenewalReviewLeadDays), s.TermStart())
}

// ContractFilter narrows ListContracts; zero values do not filter.
type ContractFilter struct {
	VendorID               string
	Status                 ContractStatus
	OwnerID                string
	ConfirmationDueBefore  Date
	RenewalReviewDueBefore Date
	MissingClause          string
	Q                      string
	// FiscalYear keeps the contracts starting in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// ContractService manages contracts and their clause coverage.
type ContractService interface {
	// FindContract returns one contract. ENOTFOUND.
	FindContract(ctx context.Context, id string) (*Contract, error)
	// ListContracts returns a page of contracts. EINVALID for a bad cursor.
	ListContracts(ctx context.Context, f ContractFilter, p PageRequest) (Page[*Contract], error)
	// CreateContract creates a draft contract. EINVALID (also for an unknown
	// vendor or owner), ECONFLICT for a terminated vendor.
	CreateContract(ctx context.Context, in ContractInput) (*Contract, error)
	// ReplaceContract replaces a contract's fields and recomputes its dates
	// and its vendor's tier. ENOTFOUND, EINVALID, ECONFLICT (the vendor
	// cannot change; ended contracts cannot change), ESTALE.
	ReplaceContract(ctx context.Context, id string, ifVersion *int, in ContractInput) (*Contract, error)
	// DeleteContract deletes a draft contract. ENOTFOUND, ESTALE, ECONFLICT
	// unless it is a draft.
	DeleteContract(ctx context.Context, id string, ifVersion *int) error
	// ContractClauses lists every catalogue clause with its status on the
	// contract (and retired clauses the contract has). ENOTFOUND.
	ContractClauses(ctx context.Context, id string) ([]ClauseCoverage, error)
	// SetContractClause sets one clause's status. A waiver of a mandatory
	// clause is recorded as asked for by the caller and counts only once
	// approved; on an active contract it waits beside the clause's current
	// status. ENOTFOUND (contract or clause), EINVALID, ECONFLICT for an
	// ended contract, a retired clause being newly included, or a change
	// that would take an active contract below the activation gate.
	SetContractClause(ctx context.Context, id, code string, in ClauseCoverageInput) (*ClauseCoverage, error)
	// ApproveClauseWaiver approves the waiver waiting on a clause.
	// EFORBIDDEN unless the caller's person holds a security role and did
	// not ask for the waiver; ECONFLICT when no waiver waits or the contract
	// ended; ENOTFOUND.
	ApproveClauseWaiver(ctx context.Context, id, code string) (*ClauseCoverage, error)
	// ActivateContract makes a draft active when every mandatory clause is
	// included or waived with an approved reason; EINVALID names the missing
	// codes. ECONFLICT unless draft, when the vendor is not approved, or when
	// the end date has passed; ESTALE.
	ActivateContract(ctx context.Context, id string, ifVersion *int) (*Contract, error)
	// TerminateContract ends a draft or active contract with a reason.
	// EINVALID without a reason, ECONFLICT when already ended, ESTALE.
	TerminateContract(ctx context.Context, id string, ifVersion *int, reason string) (*Contract, error)
}

// ActiveCoverageRefusal enforces that an active contract's coverage never
// falls below the activation gate: a change that would leave a mandatory
// clause missing which was covered before is an ECONFLICT telling to amend
// (a waiver approved by a second person, or the clause included) or
// terminate the contract instead. Clauses already missing before (a
// mandatory clause added to the catalogue after activation) do not block
// other changes.
func ActiveCoverageRefusal(before, after []ClauseCoverage) error {
	was := map[string]bool{}
	for _, c := range MissingClauses(before) {
		was[c] = true
	}
	var lost []string
	for _, c := range MissingClauses(after) {
		if !was[c] {
			lost = append(lost, c)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	return Errorf(ECONFLICT, "the contract is active and its coverage cannot fall below the activation gate (%s would be missing): "+
		"amend the contract (include the clause, or ask for a waiver that a second person approves while the clause stays included) or terminate it instead",
		strings.Join(lost, ", ")).
		WithJa("この契約は実施中のため、条項の充足状況が実施にする要件を下回る変更はできません（変更すると%sが欠けます）。"+
			"契約を変更する（条項を含める、又は条項を含めたまま別の職員が承認する適用除外を申請する）か、契約を終了してください。",
			strings.Join(lost, "、"))
}

// missingClausesMessageJa is missingClausesMessage in Japanese.
func missingClausesMessageJa(codes []string) string {
	return fmt.Sprintf("契約を実施にできません。必須のセキュリティ条項のうち%d件が、含まれておらず、承認された理由による適用除外もされていません：%s",
		len(codes), strings.Join(codes, "、"))
}

// missingClausesMessage renders the activation refusal.
func missingClausesMessage(codes []string) string {
	return fmt.Sprintf("the contract cannot be activated: %d mandatory security clauses are neither included nor waived with an approved reason: %s",
		len(codes), strings.Join(codes, ", "))
}

// ActivationRefusal returns the EINVALID error for the clauses that keep
// the contract from activation, one field error per code, or nil when none
// do.
func ActivationRefusal(coverage []ClauseCoverage) error {
	missing := MissingClauses(coverage)
	if len(missing) == 0 {
		return nil
	}
	pending := map[string]bool{}
	for _, c := range coverage {
		if c.Status == ClauseWaived && c.Waiver != nil && !c.Waiver.Approved() {
			pending[c.Code] = true
		}
	}
	fe := make(FieldErrors, 0, len(missing))
	for _, c := range missing {
		if pending[c] {
			fe.AddJa("clauses."+c, "the waiver of this mandatory clause waits for approval by a second person with a security role (POST /v1/contracts/{id}/clauses/"+c+"/approve-waiver)",
				"この必須条項の適用除外は、セキュリティ上の役割を持つ別の職員の承認待ちです。", c)
			continue
		}
		fe.AddJa("clauses."+c, "mandatory clause is missing: include it with its article, or ask for a waiver with a reason that a second person approves",
			"必須条項が欠けています。契約書の条を示して含めるか、理由を付けて適用除外を申請し、別の職員の承認を受けてください。", c)
	}
	return fe.ErrJa(missingClausesMessage(missing), missingClausesMessageJa(missing))
}
