package domain

import (
	"context"
	"sort"
	"time"
)

// WorkKind names one kind of thing a person has to do: a date coming due
// (the reminder subjects) or an approval waiting for a security role.
type WorkKind string

// The approvals that wait for a person's security role; the dates coming
// due are WorkKind(SubjectType).
const (
	// WorkWaiverApproval: a clause waiver asked for by someone else, to be
	// approved by a manager, supervisor or ciso (MayApproveWaiver).
	WorkWaiverApproval WorkKind = "waiver_approval"
	// WorkVendorApproval: a candidate vendor whose selection is recorded,
	// to be approved by manager and above (MayApproveVendor).
	WorkVendorApproval WorkKind = "vendor_approval"
	// WorkCloudServiceApproval: a requested cloud service, to be approved
	// by a supervisor or ciso (CloudApprovalRefusal).
	WorkCloudServiceApproval WorkKind = "cloud_service_approval"
	// WorkPolicyReviewApproval: a drafted policy review, to be approved by
	// a ciso who neither drafted nor last changed it
	// (PolicyReviewApprovalRefusal).
	WorkPolicyReviewApproval WorkKind = "policy_review_approval"
)

// WorkItem is one line of a person's work (私の対応事項).
type WorkItem struct {
	Kind WorkKind
	// SubjectID is the item's subject: the confirmation, contract, cloud
	// service, social-media account, vendor or corrective action.
	SubjectID string
	// Title names the item in the person's language.
	Title string
	// Path is the staff page of the subject (the API path without /v1).
	Path string
	// DueDate is the date that comes due; zero for an approval.
	DueDate Date
	// Since is when an approval started waiting; nil for a due date, or
	// when the register does not say.
	Since *time.Time
	// OwnerID is the person responsible for a due item; empty for an
	// approval.
	OwnerID string
	// OwnerName names the owner of an item shown AsSupervisor or AsCISO.
	OwnerName string
	// Overdue: the due date is before today.
	Overdue bool
	// Waiting: an approval waiting for this person's security role.
	Waiting bool
	// AsSupervisor: the item is another person's, overdue past the
	// escalation delay, and shown because its reminders escalate to this
	// person as supervisor.
	AsSupervisor bool
	// AsCISO: the item is another person's and shown because its overdue
	// reminders, repeated ciso_escalation_after_repeats times, now go to
	// this person as ciso (the ledger says so).
	AsCISO bool
}

// Work is everything due, overdue or waiting for one person on one day.
type Work struct {
	// Today is the day the work is for.
	Today Date
	// Horizon is the farthest due date shown that is not overdue: today
	// plus the largest reminder lead time (ScanWindow).
	Horizon Date
	// HorizonDays is Horizon's distance from Today.
	HorizonDays int
	// Items are in SortWork's order.
	Items []WorkItem
}

// WorkSummary counts a person's work for the line above the table.
type WorkSummary struct {
	Overdue int
	// Due counts the items due from today to the horizon.
	Due     int
	Waiting int
}

// Summary counts the items of w.
func (w *Work) Summary() WorkSummary {
	var s WorkSummary
	for _, it := range w.Items {
		switch {
		case it.Waiting:
			s.Waiting++
		case it.Overdue:
			s.Overdue++
		default:
			s.Due++
		}
	}
	return s
}

// SortWork orders work as people read it: overdue items first, the oldest
// date first; then the items coming due, the nearest first; then the
// approvals waiting, the longest waiting first. Ties keep a stable order by
// title and subject.
func SortWork(items []WorkItem) {
	rank := func(it WorkItem) int {
		switch {
		case it.Waiting:
			return 2
		case it.Overdue:
			return 0
		}
		return 1
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if a.DueDate != b.DueDate {
			return a.DueDate.Before(b.DueDate)
		}
		if a.Waiting && a.Since != nil && b.Since != nil && !a.Since.Equal(*b.Since) {
			return a.Since.Before(*b.Since)
		}
		if a.Title != b.Title {
			return a.Title < b.Title
		}
		return a.SubjectID < b.SubjectID
	})
}

// SupervisorTold reports whether, on day today, the reminders of an item
// due on due are escalated to its owner's supervisor: from the first overdue
// reminder, escalation_delay_days after the date (CurrentStage,
// EscalationAt). The work of a supervisor shows such items of their staff.
func SupervisorTold(due, today Date, p PolicySettings) bool {
	s, ok := CurrentStage(due, today, nil, p)
	return ok && EscalationAt(s, p).Supervisor
}

// WorkService answers "what is there for me to do".
type WorkService interface {
	// MyWork returns the work of the actor's person on day today: the
	// unresolved dates they own up to the horizon and every overdue one
	// (the items the due-scan reminds them of), the overdue items of the
	// people whose reminders escalate to them as supervisor, and the
	// approvals their security role may give and that someone else asked
	// for. An actor without a person has no work.
	MyWork(ctx context.Context, today Date) (*Work, error)
}
