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
	Code         string       `json:"code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the clause."`
	TitleJa      string       `json:"title_ja" doc:"Title in Japanese."`
	TitleEn      string       `json:"title_en" doc:"Title in English."`
	Mandatory    bool         `json:"mandatory" doc:"Whether activation needs the clause included or waived."`
	Retired      bool         `json:"retired" doc:"Whether the clause is retired from the catalogue."`
	Status       ClauseStatus `json:"status" enum:"included,missing,waived" doc:"included (with the article), missing, or waived (with the reason)."`
	ArticleRef   string       `json:"article_ref,omitempty" doc:"Where the contract states it, e.g. 第12条."`
	WaiverReason string       `json:"waiver_reason,omitempty" doc:"Why the clause is waived."`
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
			fe.Add("article_ref", "an included clause needs the article of the contract that states it", nil)
		}
	case ClauseWaived:
		if strings.TrimSpace(in.WaiverReason) == "" {
			fe.Add("waiver_reason", "a waived clause needs a written reason", nil)
		}
	}
	return fe
}

// MissingClauses returns the codes of the mandatory, unretired clauses that
// keep a contract from activation: neither included nor waived with a reason.
func MissingClauses(coverage []ClauseCoverage) []string {
	var missing []string
	for _, c := range coverage {
		if !c.Mandatory || c.Retired {
			continue
		}
		switch {
		case c.Status == ClauseIncluded:
		case c.Status == ClauseWaived && strings.TrimSpace(c.WaiverReason) != "":
		default:
			missing = append(missing, c.Code)
		}
	}
	return missing
}

// Contract is an outsourcing contract (委託契約) with a vendor.
type Contract struct {
	ID                    string             `json:"id" doc:"UUIDv7 of the contract."`
	VendorID              string             `json:"vendor_id" doc:"The contractor."`
	Title                 string             `json:"title" doc:"Title of the contract." example:"粗大ごみ受付システム運用保守業務委託"`
	Scope                 string             `json:"scope,omitempty" doc:"What is outsourced (委託内容)."`
	StartDate             Date               `json:"start_date" format:"date" doc:"First day of the contract."`
	EndDate               Date               `json:"end_date,omitzero" format:"date" doc:"Last day of the contract; absent for open-ended."`
	AutoRenew             bool               `json:"auto_renew" doc:"Whether the contract renews itself unless notice is given."`
	NoticePeriodDays      int                `json:"notice_period_days" doc:"Days of notice before the end date."`
	WorkLocation          string             `json:"work_location,omitempty" doc:"Where the work is done."`
	VendorManagerName     string             `json:"vendor_manager_name,omitempty" doc:"The vendor's responsible manager (責任者)."`
	SubcontractingAllowed bool               `json:"subcontracting_allowed" doc:"Whether subcontracting (再委託) is allowed."`
	Subcontractors        []string           `json:"subcontractors" doc:"Named subcontractors."`
	OwnerID               string             `json:"owner_id" doc:"Our person in charge of the contract."`
	InformationAssets     []InformationAsset `json:"information_assets" doc:"Information the contractor handles, with its classification."`
	Status                ContractStatus     `json:"status" enum:"draft,active,expired,terminated" doc:"draft → active → expired or terminated."`
	TerminationReason     string             `json:"termination_reason,omitempty" doc:"Why the contract was terminated."`
	LastConfirmedOn       Date               `json:"last_confirmed_on,omitzero" format:"date" doc:"When the last security confirmation was completed."`
	NextConfirmationDue   Date               `json:"next_confirmation_due,omitzero" format:"date" doc:"When the next security confirmation is due: the last completed one (or the start date) plus the vendor tier's interval. Derived; absent unless active."`
	RenewalReviewDue      Date               `json:"renewal_review_due,omitzero" format:"date" doc:"When the renewal review is due: end date minus notice period minus the review lead. Derived; absent unless active with an end date."`
	Version               int                `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt             time.Time          `json:"created_at" doc:"When the contract was registered (RFC 3339, UTC)."`
	UpdatedAt             time.Time          `json:"updated_at" doc:"When the contract last changed (RFC 3339, UTC)."`
}

// ContractInput is what a client writes when creating or replacing a contract.
type ContractInput struct {
	VendorID              string             `json:"vendor_id" format:"uuid" doc:"The contractor." validate:"required,uuid"`
	Title                 string             `json:"title" minLength:"1" maxLength:"300" doc:"Title of the contract." example:"粗大ごみ受付システム運用保守業務委託" validate:"required,max=300"`
	Scope                 string             `json:"scope,omitempty" maxLength:"4000" doc:"What is outsourced (委託内容)." example:"粗大ごみ受付システムの運用保守及び障害対応" validate:"max=4000" text:"multiline"`
	StartDate             Date               `json:"start_date" format:"date" doc:"First day of the contract." example:"2026-04-01"`
	EndDate               Date               `json:"end_date,omitzero" format:"date" doc:"Last day of the contract; omit for open-ended." example:"2027-03-31"`
	AutoRenew             bool               `json:"auto_renew,omitempty" doc:"Whether the contract renews itself unless notice is given."`
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
		fe.Add("start_date", "is required", nil)
	}
	if !in.EndDate.IsZero() && !in.StartDate.IsZero() && in.EndDate.Before(in.StartDate) {
		fe.Add("end_date", "must not be before start_date", in.EndDate.String())
	}
	if !in.SubcontractingAllowed && len(in.Subcontractors) > 0 {
		fe.Add("subcontractors", "names subcontractors although subcontracting_allowed is false", in.Subcontractors)
	}
	if in.Subcontractors == nil {
		in.Subcontractors = []string{}
	}
	if in.InformationAssets == nil {
		in.InformationAssets = []InformationAsset{}
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
	Tier             RiskTier
	// RenewalReviewedFor is the end date whose renewal review is done.
	RenewalReviewedFor Date
}

// NextConfirmationDue is the last completed confirmation (or the start date)
// plus the tier's interval; unset unless the contract is active.
func (s ContractSchedule) NextConfirmationDue(p PolicySettings) Date {
	if s.Status != ContractActive {
		return Date{}
	}
	from := s.StartDate
	if !s.LastConfirmedOn.IsZero() {
		from = s.LastConfirmedOn
	}
	return from.AddMonths(p.ConfirmationIntervalMonths.For(s.Tier))
}

// RenewalReviewDue is the end date minus the notice period minus the review
// lead; unset unless the contract is active and has an end date whose
// renewal has not been reviewed yet.
func (s ContractSchedule) RenewalReviewDue(p PolicySettings) Date {
	if s.Status != ContractActive || s.EndDate.IsZero() || s.RenewalReviewedFor == s.EndDate {
		return Date{}
	}
	return s.EndDate.AddDays(-s.NoticePeriodDays - p.RenewalReviewLeadDays)
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
	// SetContractClause sets one clause's status. ENOTFOUND (contract or
	// clause), EINVALID, ECONFLICT for an ended contract or a retired clause
	// being newly included.
	SetContractClause(ctx context.Context, id, code string, in ClauseCoverageInput) (*ClauseCoverage, error)
	// ActivateContract makes a draft active when every mandatory clause is
	// included or waived with a reason; EINVALID names the missing codes.
	// ECONFLICT unless draft or when the vendor is not approved; ESTALE.
	ActivateContract(ctx context.Context, id string, ifVersion *int) (*Contract, error)
	// TerminateContract ends a draft or active contract with a reason.
	// EINVALID without a reason, ECONFLICT when already ended, ESTALE.
	TerminateContract(ctx context.Context, id string, ifVersion *int, reason string) (*Contract, error)
}

// missingClausesMessage renders the activation refusal.
func missingClausesMessage(codes []string) string {
	return fmt.Sprintf("the contract cannot be activated: %d mandatory security clauses are neither included nor waived with a reason: %s",
		len(codes), strings.Join(codes, ", "))
}

// ActivationRefusal returns the EINVALID error for the missing clause codes,
// one field error per code, or nil when none are missing.
func ActivationRefusal(missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	fe := make(FieldErrors, 0, len(missing))
	for _, c := range missing {
		fe.Add("clauses."+c, "mandatory clause is missing: include it with its article, or waive it with a reason", c)
	}
	return fe.Err(missingClausesMessage(missing))
}
