package domain

import (
	"context"
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

// CorrectiveAction is a measure taken under the contract when a contractor
// does not keep the required security measures (改善要求等の措置).
type CorrectiveAction struct {
	ID             string       `json:"id" doc:"UUIDv7 of the action."`
	ConfirmationID string       `json:"confirmation_id" doc:"The confirmation whose finding opened it."`
	ContractID     string       `json:"contract_id" doc:"The contract concerned."`
	VendorID       string       `json:"vendor_id" doc:"The vendor concerned."`
	ClauseCode     string       `json:"clause_code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The clause the finding was about."`
	Description    string       `json:"description" doc:"What must be corrected."`
	Severity       Severity     `json:"severity" enum:"low,medium,high" doc:"low, medium or high."`
	OwnerID        string       `json:"owner_id" doc:"Our person who follows it up."`
	DueDate        Date         `json:"due_date" format:"date" doc:"When it must be done."`
	Status         ActionStatus `json:"status" enum:"open,done,risk_accepted" doc:"open → done, or open → risk_accepted."`
	Resolution     string       `json:"resolution,omitempty" doc:"What was done (done), or why the risk is accepted (risk_accepted)."`
	ClosedBy       string       `json:"closed_by,omitempty" format:"uuid" doc:"Who closed it."`
	ClosedAt       *time.Time   `json:"closed_at,omitempty" doc:"When it was closed (RFC 3339, UTC)."`
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

// CorrectiveActionFilter narrows ListCorrectiveActions.
type CorrectiveActionFilter struct {
	ContractID string
	VendorID   string
	OwnerID    string
	Status     ActionStatus
	DueBefore  Date
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
	// AcceptCorrectiveActionRisk closes an open action as risk_accepted.
	// EFORBIDDEN unless the caller's person holds the supervisor or ciso
	// security role; ENOTFOUND, EINVALID, ECONFLICT once closed, ESTALE.
	AcceptCorrectiveActionRisk(ctx context.Context, id string, ifVersion *int, in ActionClosure) (*CorrectiveAction, error)
}
