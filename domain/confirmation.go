package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ConfirmationStatus is where a security confirmation stands. overdue is
// derived: a scheduled confirmation whose due date has passed.
type ConfirmationStatus string

// Confirmation statuses.
const (
	ConfirmationScheduled ConfirmationStatus = "scheduled"
	ConfirmationCompleted ConfirmationStatus = "completed"
	ConfirmationOverdue   ConfirmationStatus = "overdue"
)

// ItemResult is the answer to one checklist item.
type ItemResult string

// Checklist answers.
const (
	ItemOK            ItemResult = "ok"
	ItemFinding       ItemResult = "finding"
	ItemNotApplicable ItemResult = "not_applicable"
)

// ConfirmationResult is the outcome of a completed confirmation.
type ConfirmationResult string

// Confirmation outcomes.
const (
	ResultSatisfactory ConfirmationResult = "satisfactory"
	ResultFindings     ConfirmationResult = "findings"
)

// Severity grades a finding and its corrective action.
type Severity string

// Severities.
const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// ChecklistItem is one clause of the contract as it stood when the
// confirmation was created, and its answer once completed.
type ChecklistItem struct {
	Code       string     `json:"code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the clause."`
	TitleJa    string     `json:"title_ja" doc:"Title in Japanese, as it was when the checklist was made."`
	TitleEn    string     `json:"title_en" doc:"Title in English, as it was when the checklist was made."`
	ArticleRef string     `json:"article_ref,omitempty" doc:"Where the contract states the clause."`
	Result     ItemResult `json:"result,omitempty" enum:"ok,finding,not_applicable" doc:"The answer, once completed."`
	Note       string     `json:"note,omitempty" doc:"What was seen."`
	Evidence   []string   `json:"evidence,omitempty" doc:"Evidence references: document numbers or URLs."`
	// CorrectiveActionID is the action opened for a finding.
	CorrectiveActionID string `json:"corrective_action_id,omitempty" doc:"The corrective action opened for a finding."`
}

// Confirmation is a periodic check that a contractor keeps the security
// measures its contract requires (遵守状況の確認).
type Confirmation struct {
	ID             string             `json:"id" doc:"UUIDv7 of the confirmation."`
	ContractID     string             `json:"contract_id" doc:"The contract checked."`
	VendorID       string             `json:"vendor_id" doc:"The contract's vendor."`
	DueDate        Date               `json:"due_date" format:"date" doc:"When the confirmation is due: the date asked for (or the contract's), moved to the previous business day when it falls on a Saturday, Sunday, national holiday or closure day."`
	DueDateNominal Date               `json:"due_date_nominal" format:"date" doc:"The date asked for, before the move to a business day."`
	Status         ConfirmationStatus `json:"status" enum:"scheduled,completed,overdue" doc:"scheduled, completed, or overdue (scheduled and past its due date)."`
	Checklist      []ChecklistItem    `json:"checklist" doc:"One item per clause included on the contract when the confirmation was created."`
	Result         ConfirmationResult `json:"result,omitempty" enum:"satisfactory,findings" doc:"satisfactory when nothing was found, else findings."`
	PerformedBy    string             `json:"performed_by,omitempty" format:"uuid" doc:"Who performed it."`
	PerformedOn    Date               `json:"performed_on,omitzero" format:"date" doc:"When it was performed."`
	Notes          string             `json:"notes,omitempty" doc:"Overall remarks."`
	Version        int                `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt      time.Time          `json:"created_at" doc:"When it was created (RFC 3339, UTC)."`
	UpdatedAt      time.Time          `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// StatusOn returns the status as seen on day today.
func (c *Confirmation) StatusOn(today Date) ConfirmationStatus {
	if c.Status == ConfirmationScheduled && c.DueDate.Before(today) {
		return ConfirmationOverdue
	}
	return c.Status
}

// ConfirmationInput creates a confirmation.
type ConfirmationInput struct {
	ContractID string `json:"contract_id" format:"uuid" doc:"The contract to check; it must be active." validate:"required,uuid"`
	DueDate    Date   `json:"due_date,omitzero" format:"date" doc:"When it is due; the contract's next_confirmation_due when omitted. A date on a Saturday, Sunday, national holiday or closure day is moved to the previous business day (due_date_nominal keeps it)." example:"2026-12-15"`
}

// ItemResultInput answers one checklist item.
type ItemResultInput struct {
	Code     string     `json:"code" minLength:"1" maxLength:"80" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the checklist item." example:"staff_training" validate:"required,max=80" text:"nfkc"`
	Result   ItemResult `json:"result" enum:"ok,finding,not_applicable" doc:"ok, finding or not_applicable." validate:"required,oneof=ok finding not_applicable"`
	Note     string     `json:"note,omitempty" maxLength:"4000" doc:"What was seen; required for a finding, where it becomes the corrective action's description." example:"委託先従業員への年次研修が未実施" validate:"max=4000" text:"multiline"`
	Evidence []string   `json:"evidence,omitempty" maxItems:"20" doc:"Evidence references: document numbers or URLs." example:"[\"報告書 R8-045\"]" validate:"max=20,dive,required,max=500"`
	// For findings: the corrective action to open.
	Severity      Severity `json:"severity,omitempty" enum:"low,medium,high" doc:"Severity of a finding; required for a finding." validate:"omitempty,oneof=low medium high"`
	ActionDueDate Date     `json:"action_due_date,omitzero" format:"date" doc:"When the corrective action for a finding is due; required for a finding." example:"2027-01-31"`
	ActionOwnerID string   `json:"action_owner_id,omitempty" format:"uuid" doc:"Who owns the corrective action; the contract's owner when omitted." validate:"omitempty,uuid"`
}

// ConfirmationCompletion completes a confirmation.
type ConfirmationCompletion struct {
	PerformedBy string            `json:"performed_by" format:"uuid" doc:"Who performed the confirmation." validate:"required,uuid"`
	PerformedOn Date              `json:"performed_on" format:"date" doc:"When it was performed; not in the future." example:"2026-11-20"`
	Notes       string            `json:"notes,omitempty" maxLength:"4000" doc:"Overall remarks." validate:"max=4000" text:"multiline"`
	Results     []ItemResultInput `json:"results" maxItems:"200" doc:"One answer per checklist item." validate:"max=200,dive"`
}

// CompletionProblems checks a completion against the checklist: every item
// answered exactly once, no unknown items, and every finding with a note, a
// severity and a due date for its corrective action.
func CompletionProblems(checklist []ChecklistItem, in ConfirmationCompletion, today Date) FieldErrors {
	var fe FieldErrors
	if in.PerformedOn.IsZero() {
		fe.AddJa("performed_on", "is required", "入力してください。", nil)
	} else if in.PerformedOn.After(today) {
		fe.AddJa("performed_on", "must not be in the future", "未来の日付は指定できません。", in.PerformedOn.String())
	}
	onList := map[string]bool{}
	for _, it := range checklist {
		onList[it.Code] = true
	}
	answered := map[string]bool{}
	for i, r := range in.Results {
		at := fmt.Sprintf("results[%d]", i)
		switch {
		case !onList[r.Code]:
			fe.AddJa(at+".code", "is not on this confirmation's checklist", "この遵守状況の確認のチェックリストにない項目です。", r.Code)
		case answered[r.Code]:
			fe.AddJa(at+".code", "is answered twice", "同じ項目に二度回答しています。", r.Code)
		}
		answered[r.Code] = true
		if r.Result != ItemFinding {
			continue
		}
		if strings.TrimSpace(r.Note) == "" {
			fe.AddJa(at+".note", "a finding needs a note saying what was found", "指摘事項には、確認された内容を備考に記入してください。", nil)
		}
		if r.Severity == "" {
			fe.AddJa(at+".severity", "a finding needs a severity for its corrective action", "指摘事項には、是正措置の重要度を選んでください。", nil)
		}
		if r.ActionDueDate.IsZero() {
			fe.AddJa(at+".action_due_date", "a finding needs a due date for its corrective action", "指摘事項には、是正措置の期限を入力してください。", nil)
		} else if !in.PerformedOn.IsZero() && r.ActionDueDate.Before(in.PerformedOn) {
			fe.AddJa(at+".action_due_date", "must not be before performed_on", "確認の実施日より前の日付は指定できません。", r.ActionDueDate.String())
		}
	}
	for _, it := range checklist {
		if !answered[it.Code] {
			fe.AddJa("results", "checklist item "+it.Code+" has no answer", "確認項目"+it.Code+"に回答していません。", it.Code)
		}
	}
	return fe
}

// ResultOf returns satisfactory when no answer is a finding, else findings.
func ResultOf(results []ItemResultInput) ConfirmationResult {
	for _, r := range results {
		if r.Result == ItemFinding {
			return ResultFindings
		}
	}
	return ResultSatisfactory
}

// ConfirmationFilter narrows ListConfirmations; zero values do not filter.
type ConfirmationFilter struct {
	ContractID string
	VendorID   string
	Status     ConfirmationStatus
	DueBefore  Date
	// FiscalYear keeps the confirmations due in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// ConfirmationService manages security confirmations.
type ConfirmationService interface {
	// FindConfirmation returns one confirmation. ENOTFOUND.
	FindConfirmation(ctx context.Context, id string) (*Confirmation, error)
	// ListConfirmations returns a page of confirmations. EINVALID.
	ListConfirmations(ctx context.Context, f ConfirmationFilter, p PageRequest) (Page[*Confirmation], error)
	// CreateConfirmation schedules a confirmation, snapshotting the clauses
	// included on the contract. EINVALID (unknown contract, no included
	// clause), ECONFLICT unless the contract is active or when one is already
	// scheduled for it.
	CreateConfirmation(ctx context.Context, in ConfirmationInput) (*Confirmation, error)
	// CompleteConfirmation records the results, opens a corrective action per
	// finding and moves the contract's next_confirmation_due, in one
	// transaction. EINVALID naming the missing or bad items, ECONFLICT when
	// already completed, ENOTFOUND, ESTALE.
	CompleteConfirmation(ctx context.Context, id string, ifVersion *int, in ConfirmationCompletion) (*Confirmation, error)
}
