package domain

import (
	"context"
	"fmt"
	"time"
)

// ActionStatus is where a corrective action stands.
type ActionStatus string

// Corrective action statuses: open → done, or open → risk_accepted.
const (
	ActionOpen         ActionStatus = "open"
	ActionDone         ActionStatus = "done"
	ActionRiskAccepted ActionStatus = "risk_accepted"
)

// ActionSource names what opened a corrective action.
type ActionSource string

// Corrective action sources.
const (
	// SourceConfirmation: a finding of a security confirmation (遵守状況の確認).
	SourceConfirmation ActionSource = "confirmation"
	// SourceIncident: an information security incident (第6 ⑦).
	SourceIncident ActionSource = "incident"
	// SourceAuditFinding: a finding of an audit (監査, 第7).
	SourceAuditFinding ActionSource = "audit_finding"
	// SourceInspectionAnswer: a not_compliant answer of a self-inspection (自己点検, 第7).
	SourceInspectionAnswer ActionSource = "inspection_answer"
)

// CorrectiveAction is a measure taken when a contractor does not keep the
// required security measures (改善要求等の措置), or when an incident, an audit
// or a self-inspection found something to correct.
type CorrectiveAction struct {
	ID             string       `json:"id" doc:"UUIDv7 of the action."`
	Source         ActionSource `json:"source" enum:"confirmation,incident,audit_finding,inspection_answer" doc:"What opened it: a confirmation's finding, an incident, an audit finding or a self-inspection answer."`
	SourceID       string       `json:"source_id" doc:"ID of what opened it (the confirmation, incident, audit finding or inspection answer)."`
	ConfirmationID string       `json:"confirmation_id" doc:"The confirmation whose finding opened it; empty for other sources."`
	ContractID     string       `json:"contract_id" doc:"The contract concerned; empty when none is."`
	VendorID       string       `json:"vendor_id" doc:"The vendor concerned; empty when none is."`
	ClauseCode     string       `json:"clause_code" pattern:"^([a-z][a-z0-9_]{1,79})?$" doc:"The clause the finding was about; empty for other sources."`
	Description    string       `json:"description" doc:"What must be corrected."`
	Severity       Severity     `json:"severity" enum:"low,medium,high" doc:"low, medium or high."`
	OwnerID        string       `json:"owner_id" doc:"Our person who follows it up."`
	DueDate        Date         `json:"due_date" format:"date" doc:"When it must be done: the date given, moved to the previous business day when it falls on a Saturday, Sunday, national holiday or closure day."`
	DueDateNominal Date         `json:"due_date_nominal" format:"date" doc:"The date given, before the move to a business day."`
	Status         ActionStatus `json:"status" enum:"open,done,risk_accepted" doc:"open → done, or open → risk_accepted."`
	Resolution     string       `json:"resolution,omitempty" doc:"What was done (done), or why the risk is accepted (risk_accepted)."`
	ClosedBy       string       `json:"closed_by,omitempty" format:"uuid" doc:"Who closed it."`
	ClosedAt       *time.Time   `json:"closed_at,omitempty" doc:"When it was closed (RFC 3339, UTC)."`
	AcceptedUntil  Date         `json:"accepted_until,omitzero" format:"date" doc:"For risk_accepted: the last day the acceptance holds. The due-scan then reopens the action, due that day. closed_by says who accepted and resolution why."`
	Overdue        bool         `json:"overdue" doc:"Open and past its due date; computed."`
	Version        int          `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt      time.Time    `json:"created_at" doc:"When it was opened (RFC 3339, UTC)."`
	UpdatedAt      time.Time    `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// CorrectiveActionInput edits an open action.
type CorrectiveActionInput struct {
	Description string   `json:"description" minLength:"1" maxLength:"4000" doc:"What must be corrected." validate:"required,max=4000" text:"multiline"`
	Severity    Severity `json:"severity" enum:"low,medium,high" doc:"low, medium or high." validate:"required,oneof=low medium high"`
	OwnerID     string   `json:"owner_id" format:"uuid" doc:"Our person who follows it up." validate:"required,uuid"`
	DueDate     Date     `json:"due_date" format:"date" doc:"When it must be done." example:"2027-01-31"`
}

// ActionClosure closes an action.
type ActionClosure struct {
	Resolution string `json:"resolution" minLength:"1" maxLength:"4000" doc:"What was done, or why the risk is accepted." example:"委託先にて全作業者への研修を実施し、受講記録を受領した" validate:"required,max=4000" text:"multiline"`
}

// MayAcceptRisk reports whether a person may accept the risk of an open
// finding instead of having it corrected: only a holder of the supervisor
// (統括情報セキュリティ責任者) or CISO (最高情報セキュリティ責任者) role.
func MayAcceptRisk(p *Person) bool {
	return p != nil && p.Active && (p.HasSecurityRole(SecurityRoleSupervisor) || p.HasSecurityRole(SecurityRoleCISO))
}

// RiskAcceptanceRefusal applies the rules of a risk acceptance: the person
// accepting holds the supervisor or ciso role and is not the action's owner
// (who follows the action up and would be accepting their own risk), and
// the acceptance ends within the policy's limit. It returns the acceptance's
// last day, or EFORBIDDEN / EINVALID.
func RiskAcceptanceRefusal(acceptor *Person, a *CorrectiveAction, in RiskAcceptance, today Date, p PolicySettings) (Date, error) {
	if !MayAcceptRisk(acceptor) {
		return Date{}, Errorf(EFORBIDDEN, "only a person holding the supervisor (統括情報セキュリティ責任者) or ciso (最高情報セキュリティ責任者) security role may accept a risk").
			WithJa("リスク受容ができるのは、統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ職員だけです。")
	}
	if acceptor.ID == a.OwnerID {
		return Date{}, Errorf(EFORBIDDEN, "%s owns this corrective action and cannot accept its risk too: a second person must (separation of duties)", acceptor.Name).
			WithJa("%sさんはこの是正措置の担当者のため、そのリスクを受容することはできません。職務の分離のため、別の職員が受容してください。", acceptor.Name)
	}
	limit := today.AddMonths(p.RiskAcceptanceMonths)
	until := in.AcceptedUntil
	switch {
	case until.IsZero():
		return limit, nil
	case !until.After(today):
		return Date{}, Invalid("the acceptance must end after today", FieldError{Field: "accepted_until", Message: "must be after " + today.String(),
			Ja: today.String() + "より後の日付を指定してください。", Value: until.String()}).
			WithJa("リスク受容の期限は、今日より後の日付にしてください。")
	case until.After(limit):
		return Date{}, Invalid("a risk may be accepted for at most the months the settings allow",
			FieldError{Field: "accepted_until", Message: fmt.Sprintf("must be at most %s (%d months, risk_acceptance_months)", limit, p.RiskAcceptanceMonths),
				Ja: fmt.Sprintf("%s以前の日付を指定してください（設定によるリスク受容の上限は%dか月です）。", limit, p.RiskAcceptanceMonths), Value: until.String()}).
			WithJa("リスク受容の期間は、設定で定める月数までです。")
	}
	return until, nil
}

// RiskAcceptance accepts the risk of an open action for a while.
type RiskAcceptance struct {
	Resolution    string `json:"resolution" minLength:"1" maxLength:"4000" doc:"Why the risk is accepted." example:"代替の監視策を講じており、次期契約更新時に是正させる" validate:"required,max=4000" text:"multiline"`
	AcceptedUntil Date   `json:"accepted_until,omitzero" format:"date" doc:"The last day the acceptance holds; at most risk_acceptance_months from today, which is also the default." example:"2027-09-30"`
}

// CorrectiveActionFilter narrows ListCorrectiveActions.
type CorrectiveActionFilter struct {
	// Source and SourceID keep the actions opened by one kind of source,
	// or by one record.
	Source     ActionSource
	SourceID   string
	ContractID string
	VendorID   string
	OwnerID    string
	Status     ActionStatus
	DueBefore  Date
	// FiscalYear keeps the actions due in that fiscal year (年度, April to March); 0 for all.
	FiscalYear int
}

// CorrectiveActionService manages corrective actions.
type CorrectiveActionService interface {
	// FindCorrectiveAction returns one action. ENOTFOUND.
	FindCorrectiveAction(ctx context.Context, id string) (*CorrectiveAction, error)
	// ListCorrectiveActions returns a page of actions. EINVALID.
	ListCorrectiveActions(ctx context.Context, f CorrectiveActionFilter, p PageRequest) (Page[*CorrectiveAction], error)
	// ReplaceCorrectiveAction edits an open action. ENOTFOUND, EINVALID,
	// ECONFLICT once closed, ESTALE.
	ReplaceCorrectiveAction(ctx context.Context, id string, ifVersion *int, in CorrectiveActionInput) (*CorrectiveAction, error)
	// CompleteCorrectiveAction marks an open action done with what was done.
	// ENOTFOUND, EINVALID, ECONFLICT once closed, ESTALE.
	CompleteCorrectiveAction(ctx context.Context, id string, ifVersion *int, in ActionClosure) (*CorrectiveAction, error)
	// AcceptCorrectiveActionRisk closes an open action as risk_accepted
	// until a date, after which the due-scan reopens it. EFORBIDDEN unless
	// the caller's person holds the supervisor or ciso security role and
	// does not own the action; ENOTFOUND, EINVALID, ECONFLICT once closed,
	// ESTALE.
	AcceptCorrectiveActionRisk(ctx context.Context, id string, ifVersion *int, in RiskAcceptance) (*CorrectiveAction, error)
}
