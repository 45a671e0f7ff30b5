package domain

import "time"

// ReportKind says what a report is of.
type ReportKind string

// Report kinds.
const (
	ReportCampaign ReportKind = "inspection_campaign"
	ReportAudit    ReportKind = "audit"
)

// InspectionReport is the report of a self-inspection campaign or an audit
// (自己点検・監査結果報告): coverage by department, every not_compliant answer
// and finding with its corrective action, and the register's own figures
// for the fiscal year.
type InspectionReport struct {
	Kind       ReportKind `json:"kind" enum:"inspection_campaign,audit" doc:"What the report is of."`
	SubjectID  string     `json:"subject_id" doc:"The campaign or audit."`
	Title      string     `json:"title" doc:"The campaign's or audit's title."`
	FiscalYear int        `json:"fiscal_year" doc:"The fiscal year (年度)."`
	// Status is the campaign's or audit's status.
	Status      string    `json:"status" enum:"open,closed,planned,in_progress,completed" doc:"The campaign's status (open, closed) or the audit's (planned, in_progress, completed)."`
	BodyName    string    `json:"body_name" doc:"The body's name (settings.body_name)."`
	ReportDate  Date      `json:"report_date" format:"date" doc:"The day the report was made."`
	GeneratedAt time.Time `json:"generated_at" doc:"When the report was computed (RFC 3339, UTC)."`
	DueDate     Date      `json:"due_date,omitzero" format:"date" doc:"The campaign's due date."`
	// For an audit.
	Scope       string `json:"scope,omitempty" doc:"The audit's scope."`
	AuditorName string `json:"auditor_name,omitempty" doc:"The auditor (our person's name, or the external name)."`
	StartDate   Date   `json:"start_date,omitzero" format:"date" doc:"The audit's first day."`
	EndDate     Date   `json:"end_date,omitzero" format:"date" doc:"The audit's last day."`
	Summary     string `json:"summary,omitempty" doc:"The audit's conclusion."`

	Coverage      []DepartmentCoverage `json:"coverage" doc:"Per department: assigned, answered and each answer's count (campaigns; empty for an audit)."`
	Total         DepartmentCoverage   `json:"total" doc:"The coverage over all departments."`
	NonCompliance []NonComplianceLine  `json:"non_compliance" doc:"Every not_compliant answer (campaign) or finding (audit) with its corrective action."`
	Figures       RegisterFigures      `json:"figures" doc:"The register's own figures for the fiscal year."`
}

// DepartmentCoverage counts one department's answers.
type DepartmentCoverage struct {
	DepartmentID   string `json:"department_id,omitempty" doc:"The department; empty for the total."`
	DepartmentName string `json:"department_name,omitempty" doc:"Its name."`
	Assignees      int    `json:"assignees" doc:"People assigned."`
	Assigned       int    `json:"assigned" doc:"Items assigned (people × items)."`
	Answered       int    `json:"answered" doc:"Items answered."`
	Compliant      int    `json:"compliant" doc:"Answered compliant."`
	NotCompliant   int    `json:"not_compliant" doc:"Answered not_compliant."`
	NotApplicable  int    `json:"not_applicable" doc:"Answered not_applicable."`
	KeptPrefill    int    `json:"kept_prefill" doc:"Answers that kept the register's suggestion."`
	ChangedPrefill int    `json:"changed_prefill" doc:"Answers that departed from the register's suggestion."`
}

// Unanswered is Assigned less Answered.
func (c DepartmentCoverage) Unanswered() int { return c.Assigned - c.Answered }

// Add adds o's counts to c.
func (c *DepartmentCoverage) Add(o DepartmentCoverage) {
	c.Assignees += o.Assignees
	c.Assigned += o.Assigned
	c.Answered += o.Answered
	c.Compliant += o.Compliant
	c.NotCompliant += o.NotCompliant
	c.NotApplicable += o.NotApplicable
	c.KeptPrefill += o.KeptPrefill
	c.ChangedPrefill += o.ChangedPrefill
}

// NonComplianceLine is one not_compliant answer or finding.
type NonComplianceLine struct {
	Kind string `json:"kind" enum:"answer,finding" doc:"A not_compliant answer or an audit finding."`
	ID   string `json:"id" doc:"The answer or finding."`
	// For an answer.
	ItemCode       string `json:"item_code,omitempty" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The checklist item."`
	ItemTitle      string `json:"item_title,omitempty" doc:"Its Japanese title."`
	DepartmentName string `json:"department_name,omitempty" doc:"The department answered for."`
	PersonName     string `json:"person_name,omitempty" doc:"Who answered (answer) or recorded (finding)."`
	// Description is the answer's note or the finding's description.
	Description string             `json:"description" doc:"The answer's note or the finding's description."`
	Severity    Severity           `json:"severity,omitempty" enum:"low,medium,high" doc:"The finding's severity, or the action's."`
	SubjectType FindingSubjectType `json:"subject_type,omitempty" enum:"contract,vendor,confirmation,cloud_service,social_account" doc:"The kind of register record a finding concerns."`
	SubjectID   string             `json:"subject_id,omitempty" doc:"Its id."`

	CorrectiveActionID string       `json:"corrective_action_id,omitempty" doc:"The corrective action it opened."`
	ActionStatus       ActionStatus `json:"action_status,omitempty" enum:"open,done,risk_accepted" doc:"That action's status."`
	ActionDueDate      Date         `json:"action_due_date,omitzero" format:"date" doc:"That action's due date."`
	ActionOverdue      bool         `json:"action_overdue,omitempty" doc:"That action is open past its due date."`
}

// StatusCount is a count of records in one status or severity.
type StatusCount struct {
	Key   string `json:"key" doc:"The status or severity."`
	Count int    `json:"count" doc:"How many."`
}

// RegisterFigures are the register's own figures for a fiscal year.
type RegisterFigures struct {
	FiscalYear int  `json:"fiscal_year" doc:"The fiscal year (年度)."`
	From       Date `json:"from" format:"date" doc:"Its first day (April 1)."`
	To         Date `json:"to" format:"date" doc:"Its last day (March 31)."`

	// Contracts in force at some time during the year, by status.
	Contracts         int           `json:"contracts" doc:"Contracts in force at some time during the year (started by its end, not ended before its start), drafts excluded."`
	ContractsActive   int           `json:"contracts_active" doc:"Of those, active now."`
	ContractsByStatus []StatusCount `json:"contracts_by_status" doc:"Those contracts by status."`

	ConfirmationsDue       int `json:"confirmations_due" doc:"Security confirmations due in the year."`
	ConfirmationsCompleted int `json:"confirmations_completed" doc:"Of those, completed."`
	ConfirmationsOverdue   int `json:"confirmations_overdue" doc:"Of those, overdue (past their due date, not completed)."`

	Waivers        int `json:"waivers" doc:"Mandatory clauses waived (approved) on those contracts."`
	WaiversPending int `json:"waivers_pending" doc:"Waivers waiting for approval on those contracts."`

	CorrectiveActionsOpened int `json:"corrective_actions_opened" doc:"Corrective actions due in the year."`
	CorrectiveActionsOpen   int `json:"corrective_actions_open" doc:"Of those, still open."`

	CloudServicesApproved int `json:"cloud_services_approved" doc:"Services under standard terms approved during the year."`
	CloudServicesInUse    int `json:"cloud_services_in_use" doc:"Services approved and in use now."`
	CloudServicesReviewed int `json:"cloud_services_reviewed" doc:"Services reviewed during the year."`

	SocialAccountsActive   int `json:"social_accounts_active" doc:"Social-media accounts active now."`
	SocialAccountsReviewed int `json:"social_accounts_reviewed" doc:"Accounts reviewed during the year."`

	Incidents           int           `json:"incidents" doc:"Security incidents detected during the year."`
	IncidentsBySeverity []StatusCount `json:"incidents_by_severity" doc:"Those incidents by severity."`
}
