package store

import (
	"testing"

	"github.com/vendorwatch/vendorwatch/domain"
)

// SetPolicyReviewTriggerTable points a trigger at a table for one test, as
// the merge hook of policyReviewTriggerTables will for the real registers.
func SetPolicyReviewTriggerTable(t *testing.T, tr domain.PolicyReviewTrigger, table string) {
	old, had := policyReviewTriggerTables[tr]
	policyReviewTriggerTables[tr] = table
	t.Cleanup(func() {
		if had {
			policyReviewTriggerTables[tr] = old
		} else {
			delete(policyReviewTriggerTables, tr)
		}
	})
}
