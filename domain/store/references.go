package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// reference is a column of another table that points at an entity and stops
// it from being deleted while a row matches.
type reference struct {
	Table string
	// Where selects the referring rows; every ? is the entity's id.
	Where string
	// What names the referring rows in the refusal, e.g. "people".
	What string
}

// Later registers add their owner and responsible-person columns here, so
// that a delete is refused with every reason at once.
var (
	departmentReferences = []reference{
		{Table: "people", Where: "department_id = ?", What: "people belong to it"},
		{Table: "cloud_services", Where: "department_id = ?", What: "cloud services are used by it"},
		{Table: "social_accounts", Where: "department_id = ?", What: "social-media accounts are run by it"},
	}
	personReferences = []reference{
		{Table: "people", Where: "supervisor_id = ?", What: "people name them as supervisor"},
		{Table: "tokens", Where: "person_id = ? AND revoked_at IS NULL", What: "API tokens are not revoked"},
		{Table: "vendors", Where: "owner_id = ?", What: "vendors name them as owner"},
		{Table: "contracts", Where: "owner_id = ?", What: "contracts name them as owner"},
		{Table: "corrective_actions", Where: "owner_id = ?", What: "corrective actions name them as owner"},
		{Table: "vendors", Where: "selected_by = ?", What: "vendor selections name them"},
		{Table: "confirmations", Where: "performed_by = ?", What: "confirmations name them as performer"},
		{Table: "cloud_services", Where: "responsible_person_id = ? OR requester_id = ? OR approver_id = ?", What: "cloud services name them"},
		{Table: "social_accounts", Where: "responsible_person_id = ? OR credential_custodian_id = ?", What: "social-media accounts name them as responsible person or credential custodian"},
		{Table: "social_account_operators", Where: "person_id = ?", What: "social-media accounts name them as operator"},
	}
	vendorReferences = []reference{
		{Table: "contracts", Where: "vendor_id = ?", What: "contracts are registered with it"},
	}
)

// blockingReferences returns one sentence per reference that still points at
// id, such as "3 people belong to it".
func blockingReferences(ctx context.Context, tx bun.Tx, refs []reference, id string) ([]string, error) {
	var out []string
	for _, r := range refs {
		args := make([]any, strings.Count(r.Where, "?"))
		for i := range args {
			args[i] = id
		}
		n, err := tx.NewSelect().Table(r.Table).Where(r.Where, args...).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: count %s: %w", r.Table, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, r.What))
		}
	}
	return out, nil
}

func joinReasons(reasons []string) string { return strings.Join(reasons, "; ") }
