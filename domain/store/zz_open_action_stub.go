package store

// TEMPORARY: the lead's generalised corrective actions (openActionFor,
// newAction, domain.ActionSource) land on main at about 15:50 UTC; this stub
// lets the branch build until it is merged, and is deleted then.

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

type actionSourceStub string

const (
	sourceAuditFinding     actionSourceStub = "audit_finding"
	sourceInspectionAnswer actionSourceStub = "inspection_answer"
)

type newAction struct {
	Source                                                  actionSourceStub
	SourceID, ContractID, VendorID, ClauseCode, Description string
	Severity                                                domain.Severity
	OwnerID                                                 string
	DueDate                                                 domain.Date
	Reason                                                  string
}

func (db *DB) openActionFor(ctx context.Context, tx bun.Tx, in newAction) (*domain.CorrectiveAction, error) {
	return nil, domain.Errorf(domain.ECONFLICT, "corrective actions from inspections are not merged yet")
}
