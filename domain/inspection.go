package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Self-inspection (自己点検) and audit (監査), the policy's 第7: a campaign
// for a fiscal year asks the people assigned to it to answer a checklist
// (the inspection_checklist catalogue); where the register already knows
// the answer, the answer is pre-filled from the data and says so. An audit
// records its scope, auditor, dates and findings. A not_compliant answer and
// an audit finding open a corrective action.

// CatalogueInspectionChecklist holds the items a self-inspection asks
// (自己点検項目).
const CatalogueInspectionChecklist Catalogue = "inspection_checklist"

// The built-in checklist items. Those with a register check (HasPrefill)
// are pre-filled from the data; the others need a person's judgement.
const (
	InspContractClausesCovered          = "insp_contract_clauses_covered"
	InspConfirmationsOnTime             = "insp_confirmations_on_time"
	InspCorrectiveActionsFollowed       = "insp_corrective_actions_followed"
	InspVendorCertificationsValid       = "insp_vendor_certifications_valid"
	InspCloudReviewed                   = "insp_cloud_reviewed_12m"
	InspCloudNoConfidential             = "insp_cloud_no_confidential"
	InspSocialOneResponsibleAndProcedur = "insp_social_one_responsible_and_procedure"
	InspSocialReviewed                  = "insp_social_reviewed"
	InspStaffTraining                   = "insp_staff_training"
	InspIncidentProcedureKnown          = "insp_incident_procedure_known"
)

// PrefilledItems are the checklist codes the register can answer.
var PrefilledItems = []string{InspContractClausesCovered, InspConfirmationsOnTime, InspCorrectiveActionsFollowed,
	InspVendorCertificationsValid, InspCloudReviewed, InspCloudNoConfidential, InspSocialOneResponsibleAndProcedur, InspSocialReviewed}

// HasPrefill reports whether the register can pre-fill checklist item code.
func HasPrefill(code string) bool { return slices.Contains(PrefilledItems, code) }

// CampaignStatus is where a self-inspection campaign stands: open → closed.
type CampaignStatus string

// Campaign statuses.
const (
	CampaignOpen   CampaignStatus = "open"
	CampaignClosed CampaignStatus = "closed"
)

// AnswerValue is an assignee's answer to one checklist item.
type AnswerValue string

// Answers; an item not yet answered has the empty answer.
const (
	AnswerCompliant     AnswerValue = "compliant"
	AnswerNotCompliant  AnswerValue = "not_compliant"
	AnswerNotApplicable AnswerValue = "not_applicable"
)

// Valid reports whether a is one of the three answers.
func (a AnswerValue) Valid() bool {
	return a == AnswerCompliant || a == AnswerNotCompliant || a == AnswerNotApplicable
}

// InspectionAssignee is one person asked to answer a campaign, for a
// department.
type InspectionAssignee struct {
	// ID is the assignment's id: the subject of its reminders and the
	// address of its answering page (/inspection-assignments/{id}).
	ID           string     `json:"id" doc:"UUIDv7 of the assignment."`
	PersonID     string     `json:"person_id" doc:"The person who answers."`
	DepartmentID string     `json:"department_id" doc:"The department the person answers for."`
	Items        int        `json:"items" doc:"How many items the person answers."`
	Answered     int        `json:"answered" doc:"How many of them are answered."`
	CompletedAt  *time.Time `json:"completed_at,omitempty" doc:"When the last item was answered (RFC 3339, UTC); absent while items are unanswered."`
}

// InspectionCampaign is a self-inspection (自己点検) for a fiscal year.
type InspectionCampaign struct {
	ID             string               `json:"id" doc:"UUIDv7 of the campaign."`
	FiscalYear     int                  `json:"fiscal_year" doc:"The fiscal year (年度) inspected." example:"2026"`
	Title          string               `json:"title" doc:"Title." example:"令和8年度 情報セキュリティ自己点検"`
	Description    string               `json:"description,omitempty" doc:"What the assignees are asked to do."`
	DueDate        Date                 `json:"due_date" format:"date" doc:"When the answers are due: the date given, moved to the previous business day."`
	DueDateNominal Date                 `json:"due_date_nominal" format:"date" doc:"The date given, before the move to a business day."`
	ItemCodes      []string             `json:"item_codes" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The inspection_checklist items asked, in catalogue order."`
	Assignees      []InspectionAssignee `json:"assignees" doc:"Who answers, for which department, and how far they are."`
	Status         CampaignStatus       `json:"status" enum:"open,closed" doc:"open → closed. Answers are given while open."`
	ClosedAt       *time.Time           `json:"closed_at,omitempty" doc:"When it was closed (RFC 3339, UTC)."`
	ClosedBy       string               `json:"closed_by,omitempty" format:"uuid" doc:"Who closed it."`
	CreatedBy      string               `json:"created_by,omitempty" format:"uuid" doc:"Who opened it."`
	Version        int                  `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt      time.Time            `json:"created_at" doc:"When it was opened (RFC 3339, UTC)."`
	UpdatedAt      time.Time            `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// InspectionCampaignInput creates or edits a campaign.
type InspectionCampaignInput struct {
	FiscalYear  int    `json:"fiscal_year" minimum:"1900" maximum:"2998" doc:"The fiscal year (年度) inspected." example:"2026" validate:"required"`
	Title       string `json:"title" minLength:"1" maxLength:"300" doc:"Title." example:"令和8年度 情報セキュリティ自己点検" validate:"required,max=300"`
	Description string `json:"description,omitempty" maxLength:"4000" doc:"What the assignees are asked to do." validate:"max=4000" text:"multiline"`
	DueDate     Date   `json:"due_date" format:"date" doc:"When the answers are due; moved to the previous business day when it is not one." example:"2027-01-29"`
	// ItemCodes defaults to every live item of the checklist.
	ItemCodes []string `json:"item_codes,omitempty" maxItems:"100" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The inspection_checklist items to ask; every live item when left out." validate:"max=100,dive,required,max=80"`
	// DepartmentIDs assigns each department's information security managers
	// (情報セキュリティ責任者, security role manager).
	DepartmentIDs []string `json:"department_ids,omitempty" maxItems:"100" doc:"Departments to inspect: each department's active people holding the manager security role (情報セキュリティ責任者) answer for it; 422 for a department without one (name a person instead)." validate:"max=100,dive,uuid"`
	PersonIDs     []string `json:"person_ids,omitempty" maxItems:"500" doc:"People who answer, each for their own department." validate:"max=500,dive,uuid"`
}

// Assignment is one person asked to answer, for a department.
type Assignment struct {
	PersonID     string
	DepartmentID string
}

// AssignmentPerson is what Assignments needs to know of a person.
type AssignmentPerson struct {
	ID           string
	DepartmentID string
	Active       bool
	Manager      bool
}

// Assignments turns a campaign's departments and people into assignments,
// each person once: the active managers of each department named, then each
// person named, for their own department. A department without an active
// manager, an unknown or inactive person, or no assignee at all is EINVALID.
func Assignments(in InspectionCampaignInput, people []AssignmentPerson) ([]Assignment, error) {
	var fe FieldErrors
	var out []Assignment
	seen := map[string]bool{}
	add := func(p AssignmentPerson) {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, Assignment{PersonID: p.ID, DepartmentID: p.DepartmentID})
		}
	}
	for i, d := range in.DepartmentIDs {
		found := false
		for _, p := range people {
			if p.DepartmentID == d && p.Active && p.Manager {
				found = true
				add(p)
			}
		}
		if !found {
			fe.AddJa(fmt.Sprintf("department_ids[%d]", i), "the department has no active person holding the manager security role: name who answers in person_ids",
				"この部署には情報セキュリティ責任者の役割を持つ職員がいません。回答する職員を指定してください。", d)
		}
	}
	for i, id := range in.PersonIDs {
		idx := slices.IndexFunc(people, func(p AssignmentPerson) bool { return p.ID == id })
		switch {
		case idx < 0:
			fe.AddJa(fmt.Sprintf("person_ids[%d]", i), "no person has this id", "この職員は登録されていません。", id)
		case !people[idx].Active:
			fe.AddJa(fmt.Sprintf("person_ids[%d]", i), "the person is inactive", "この職員は無効になっています。", id)
		default:
			add(people[idx])
		}
	}
	if len(fe) == 0 && len(out) == 0 {
		fe.AddJa("department_ids", "name at least one department or person who answers", "回答する部署又は職員を指定してください。", nil)
	}
	if err := fe.ErrJa("the campaign's assignments break one or more rules", "自己点検の割当てに誤りがあります。"); err != nil {
		return nil, err
	}
	return out, nil
}

// PrefillRecord is one register record behind a pre-fill: a record that
// does not meet the item.
type PrefillRecord struct {
	Type   string `json:"type" enum:"contract,confirmation,corrective_action,vendor,cloud_service,social_account" doc:"What kind of record."`
	ID     string `json:"id" doc:"The record's id."`
	Title  string `json:"title" doc:"The record's name."`
	Detail string `json:"detail,omitempty" doc:"Why it does not meet the item (Japanese)."`
	Path   string `json:"path" pattern:"^/[a-z-]+/[0-9a-f-]{36}$" doc:"The record's staff page."`
}

// InspectionPrefill is what the register says about one item for one
// department, computed when the answers were pre-filled.
type InspectionPrefill struct {
	SuggestedAnswer AnswerValue     `json:"suggested_answer" enum:"compliant,not_compliant,not_applicable" doc:"The answer the register suggests: not_applicable when the department has no record of the kind, not_compliant when a record does not meet the item."`
	Checked         int             `json:"checked" doc:"How many records of the department were checked."`
	Records         []PrefillRecord `json:"records" doc:"The records that do not meet the item."`
	Summary         string          `json:"summary" doc:"One line saying it was pre-filled from the register, when, and what it found (Japanese)."`
	SummaryEn       string          `json:"summary_en" doc:"The same line in English."`
	ComputedAt      time.Time       `json:"computed_at" doc:"When the register was read (RFC 3339, UTC)."`
}

// NewPrefill builds the pre-fill of an item from the records checked and
// those that do not meet it, with its summary line; onDay is written in
// the line as the day the register was read.
func NewPrefill(checked int, failing []PrefillRecord, at time.Time, onDay Date, withEra bool) *InspectionPrefill {
	p := &InspectionPrefill{Checked: checked, Records: failing, ComputedAt: at.UTC()}
	if p.Records == nil {
		p.Records = []PrefillRecord{}
	}
	day, dayEn := onDay.FormatJa(withEra), onDay.FormatEn()
	switch {
	case checked == 0:
		p.SuggestedAnswer = AnswerNotApplicable
		p.Summary = fmt.Sprintf("台帳から事前入力（%s時点）：該当する記録はありません。", day)
		p.SummaryEn = fmt.Sprintf("Pre-filled from the register (as of %s): no record of this kind.", dayEn)
	case len(failing) == 0:
		p.SuggestedAnswer = AnswerCompliant
		p.Summary = fmt.Sprintf("台帳から事前入力（%s時点）：%d件を確認し、すべて適合しています。", day, checked)
		p.SummaryEn = fmt.Sprintf("Pre-filled from the register (as of %s): %d records checked, all meet the item.", dayEn, checked)
	default:
		p.SuggestedAnswer = AnswerNotCompliant
		p.Summary = fmt.Sprintf("台帳から事前入力（%s時点）：%d件中%d件が適合していません。", day, checked, len(failing))
		p.SummaryEn = fmt.Sprintf("Pre-filled from the register (as of %s): %d of %d records do not meet the item.", dayEn, len(failing), checked)
	}
	return p
}

// InspectionAnswer is one assignee's answer to one checklist item.
type InspectionAnswer struct {
	ID           string             `json:"id" doc:"UUIDv7 of the answer."`
	CampaignID   string             `json:"campaign_id" doc:"The campaign."`
	AssignmentID string             `json:"assignment_id" doc:"The assignment it belongs to."`
	PersonID     string             `json:"person_id" doc:"The assignee who answers."`
	DepartmentID string             `json:"department_id" doc:"The department answered for."`
	ItemCode     string             `json:"item_code" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The inspection_checklist item."`
	Answer       AnswerValue        `json:"answer,omitempty" enum:"compliant,not_compliant,not_applicable" doc:"The answer; absent while unanswered."`
	Note         string             `json:"note,omitempty" doc:"The assignee's note."`
	Prefill      *InspectionPrefill `json:"prefill,omitempty" doc:"What the register says, for items it can check; absent for items that need a person's judgement."`
	// KeptPrefill: the answer is the one the register suggested.
	KeptPrefill        *bool      `json:"kept_prefill,omitempty" doc:"Whether the answer is the register's suggestion; absent while unanswered or for an item without a pre-fill."`
	AnsweredBy         string     `json:"answered_by,omitempty" format:"uuid" doc:"Who answered."`
	AnsweredAt         *time.Time `json:"answered_at,omitempty" doc:"When it was answered (RFC 3339, UTC)."`
	CorrectiveActionID string     `json:"corrective_action_id,omitempty" doc:"The corrective action opened when it was answered not_compliant."`
	Version            int        `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt          time.Time  `json:"created_at" doc:"When it was created (RFC 3339, UTC)."`
	UpdatedAt          time.Time  `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// ActionRequest asks for the corrective action that a not_compliant answer
// or a finding opens.
type ActionRequest struct {
	Description string   `json:"description,omitempty" maxLength:"4000" doc:"What must be corrected; the note or the finding's description when left out." validate:"max=4000" text:"multiline"`
	Severity    Severity `json:"severity,omitempty" enum:"low,medium,high" doc:"low, medium or high; medium when left out." validate:"omitempty,oneof=low medium high"`
	OwnerID     string   `json:"owner_id,omitempty" format:"uuid" doc:"Who follows it up; the assignee (for an answer) when left out." validate:"omitempty,uuid"`
	DueDate     Date     `json:"due_date" format:"date" doc:"When it must be done; moved to the previous business day." example:"2027-03-31"`
}

// InspectionAnswerInput answers one item.
type InspectionAnswerInput struct {
	Answer AnswerValue `json:"answer" enum:"compliant,not_compliant,not_applicable" doc:"The answer." validate:"required,oneof=compliant not_compliant not_applicable"`
	Note   string      `json:"note,omitempty" maxLength:"4000" doc:"A note: required when the answer differs from the register's suggestion or is not_compliant." validate:"max=4000" text:"multiline"`
	// Action opens the corrective action of a not_compliant answer; needed
	// the first time the answer is not_compliant.
	Action *ActionRequest `json:"action,omitempty" doc:"The corrective action a not_compliant answer opens; required the first time an answer is not_compliant (an answer keeps the action it opened)."`
}

// AnswerRefusal applies the rules of an answer: a note when it is
// not_compliant or departs from the register's suggestion, and an action
// with a due date the first time it is not_compliant. EINVALID.
func AnswerRefusal(a *InspectionAnswer, in InspectionAnswerInput) error {
	var fe FieldErrors
	note := strings.TrimSpace(in.Note)
	if in.Answer == AnswerNotCompliant && note == "" {
		fe.AddJa("note", "say what does not comply", "適合していない内容を入力してください。", nil)
	} else if a.Prefill != nil && in.Answer != a.Prefill.SuggestedAnswer && note == "" {
		fe.AddJa("note", "the answer differs from the register's suggestion ("+string(a.Prefill.SuggestedAnswer)+"): say why",
			"台帳による回答案と異なる回答です。理由を入力してください。", nil)
	}
	if in.Answer == AnswerNotCompliant && a.CorrectiveActionID == "" && (in.Action == nil || in.Action.DueDate.IsZero()) {
		fe.AddJa("action.due_date", "a not_compliant answer opens a corrective action: give its due date", "不適合の回答には是正措置が必要です。是正の期限を入力してください。", nil)
	}
	return fe.ErrJa("the answer breaks one or more rules", "回答の内容に誤りがあります。")
}

// InspectionAssignment is one assignee's part of a campaign, with the
// answers: what the answering page shows.
type InspectionAssignment struct {
	InspectionAssignee
	CampaignID string              `json:"campaign_id" doc:"The campaign."`
	Campaign   *InspectionCampaign `json:"campaign" doc:"The campaign, without its other assignees' answers."`
	Answers    []*InspectionAnswer `json:"answers" doc:"The assignee's answers, in checklist order."`
}

// InspectionAnswerFilter narrows ListInspectionAnswers.
type InspectionAnswerFilter struct {
	PersonID     string
	DepartmentID string
	ItemCode     string
	// Answer: an answer, or "unanswered".
	Answer string
}

// InspectionCampaignFilter narrows ListInspectionCampaigns.
type InspectionCampaignFilter struct {
	FiscalYear int
	Status     CampaignStatus
}

// InspectionService manages self-inspection campaigns and their answers.
type InspectionService interface {
	// CreateInspectionCampaign opens a campaign and pre-fills its answers
	// from the register. EINVALID (unknown items, no assignee, departments
	// without a manager).
	CreateInspectionCampaign(ctx context.Context, in InspectionCampaignInput) (*InspectionCampaign, error)
	// FindInspectionCampaign returns one campaign. ENOTFOUND.
	FindInspectionCampaign(ctx context.Context, id string) (*InspectionCampaign, error)
	// ListInspectionCampaigns returns a page of campaigns. EINVALID.
	ListInspectionCampaigns(ctx context.Context, f InspectionCampaignFilter, p PageRequest) (Page[*InspectionCampaign], error)
	// ReplaceInspectionCampaign edits an open campaign; added items and
	// assignees get pre-filled answers, removed ones lose theirs.
	// ENOTFOUND, EINVALID, ECONFLICT once closed or when a removed item or
	// assignee has answers, ESTALE.
	ReplaceInspectionCampaign(ctx context.Context, id string, ifVersion *int, in InspectionCampaignInput) (*InspectionCampaign, error)
	// CloseInspectionCampaign closes an open campaign; its reminders stop.
	// ENOTFOUND, ECONFLICT once closed, ESTALE.
	CloseInspectionCampaign(ctx context.Context, id string, ifVersion *int) (*InspectionCampaign, error)
	// ListInspectionAnswers returns a page of a campaign's answers.
	// ENOTFOUND, EINVALID.
	ListInspectionAnswers(ctx context.Context, campaignID string, f InspectionAnswerFilter, p PageRequest) (Page[*InspectionAnswer], error)
	// FindInspectionAnswer returns one answer. ENOTFOUND.
	FindInspectionAnswer(ctx context.Context, id string) (*InspectionAnswer, error)
	// FindInspectionAssignment returns one assignee's part with answers.
	// ENOTFOUND.
	FindInspectionAssignment(ctx context.Context, id string) (*InspectionAssignment, error)
	// RefreshInspectionPrefills reads the register again for an
	// assignment's unanswered items, so that a campaign open for weeks
	// shows what the register says now. EFORBIDDEN unless the caller is the
	// assignee or may write the registers; ENOTFOUND, ECONFLICT once the
	// campaign is closed.
	RefreshInspectionPrefills(ctx context.Context, assignmentID string) (*InspectionAssignment, error)
	// AnswerInspectionItem answers one item. A not_compliant answer opens a
	// corrective action the first time. EFORBIDDEN unless the caller is the
	// assignee or may write the registers (editor, admin); ENOTFOUND,
	// EINVALID, ECONFLICT once the campaign is closed, ESTALE.
	AnswerInspectionItem(ctx context.Context, id string, ifVersion *int, in InspectionAnswerInput) (*InspectionAnswer, error)
	// InspectionReport computes a campaign's report. ENOTFOUND.
	InspectionReport(ctx context.Context, campaignID string) (*InspectionReport, error)
}

// AuditStatus is where an audit stands.
type AuditStatus string

// Audit statuses: planned → in_progress → completed.
const (
	AuditPlanned    AuditStatus = "planned"
	AuditInProgress AuditStatus = "in_progress"
	AuditCompleted  AuditStatus = "completed"
)

// Audit is an audit (監査) of the body's compliance with the policy.
type Audit struct {
	ID              string      `json:"id" doc:"UUIDv7 of the audit."`
	FiscalYear      int         `json:"fiscal_year" doc:"The fiscal year (年度) audited." example:"2026"`
	Title           string      `json:"title" doc:"Title." example:"令和8年度 情報セキュリティ内部監査"`
	Scope           string      `json:"scope" doc:"What is audited."`
	AuditorPersonID string      `json:"auditor_person_id,omitempty" doc:"The internal auditor, one of our people."`
	AuditorName     string      `json:"auditor_name,omitempty" doc:"The external auditor's name (firm or person)."`
	StartDate       Date        `json:"start_date" format:"date" doc:"First day of the audit."`
	EndDate         Date        `json:"end_date,omitzero" format:"date" doc:"Last day of the audit."`
	Status          AuditStatus `json:"status" enum:"planned,in_progress,completed" doc:"planned, in_progress or completed."`
	Summary         string      `json:"summary,omitempty" doc:"The auditor's conclusion."`
	Findings        int         `json:"findings" doc:"How many findings are recorded."`
	Version         int         `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt       time.Time   `json:"created_at" doc:"When it was recorded (RFC 3339, UTC)."`
	UpdatedAt       time.Time   `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// AuditInput creates or edits an audit.
type AuditInput struct {
	FiscalYear      int         `json:"fiscal_year" minimum:"1900" maximum:"2998" doc:"The fiscal year (年度) audited." example:"2026" validate:"required"`
	Title           string      `json:"title" minLength:"1" maxLength:"300" doc:"Title." example:"令和8年度 情報セキュリティ内部監査" validate:"required,max=300"`
	Scope           string      `json:"scope" minLength:"1" maxLength:"4000" doc:"What is audited." example:"外部委託先の管理及び約款による外部サービスの利用状況" validate:"required,max=4000" text:"multiline"`
	AuditorPersonID string      `json:"auditor_person_id,omitempty" format:"uuid" doc:"The internal auditor; give this or auditor_name." validate:"omitempty,uuid"`
	AuditorName     string      `json:"auditor_name,omitempty" maxLength:"200" doc:"The external auditor's name; give this or auditor_person_id." validate:"max=200"`
	StartDate       Date        `json:"start_date" format:"date" doc:"First day of the audit." example:"2026-11-02"`
	EndDate         Date        `json:"end_date,omitzero" format:"date" doc:"Last day of the audit; not before start_date." example:"2026-11-13"`
	Status          AuditStatus `json:"status,omitempty" enum:"planned,in_progress,completed" doc:"planned (the default), in_progress or completed; completed needs an end_date." validate:"omitempty,oneof=planned in_progress completed"`
	Summary         string      `json:"summary,omitempty" maxLength:"8000" doc:"The auditor's conclusion." validate:"max=8000" text:"multiline"`
}

// AuditRefusal applies the rules of an audit's fields. EINVALID.
func AuditRefusal(in AuditInput) error {
	var fe FieldErrors
	if (in.AuditorPersonID == "") == (strings.TrimSpace(in.AuditorName) == "") {
		fe.AddJa("auditor_person_id", "name the auditor: one of our people (auditor_person_id) or an external name (auditor_name), not both",
			"監査人を、職員（内部）又は外部の名称のどちらか一方で指定してください。", nil)
	}
	if in.StartDate.IsZero() {
		fe.AddJa("start_date", "is required", "入力してください。", nil)
	}
	if !in.EndDate.IsZero() && !in.StartDate.IsZero() && in.EndDate.Before(in.StartDate) {
		fe.AddJa("end_date", "must not be before start_date", "開始日より前の日付は指定できません。", in.EndDate.String())
	}
	if in.Status == AuditCompleted && in.EndDate.IsZero() {
		fe.AddJa("end_date", "a completed audit has an end date", "完了した監査には終了日を入力してください。", nil)
	}
	return fe.ErrJa("the audit breaks one or more rules", "監査の内容に誤りがあります。")
}

// FindingSubjectType names the kind of register record a finding concerns.
type FindingSubjectType string

// Finding subjects.
const (
	FindingContract      FindingSubjectType = "contract"
	FindingVendor        FindingSubjectType = "vendor"
	FindingConfirmation  FindingSubjectType = "confirmation"
	FindingCloudService  FindingSubjectType = "cloud_service"
	FindingSocialAccount FindingSubjectType = "social_account"
)

// AuditFinding is one finding of an audit.
type AuditFinding struct {
	ID                 string             `json:"id" doc:"UUIDv7 of the finding."`
	AuditID            string             `json:"audit_id" doc:"The audit."`
	Description        string             `json:"description" doc:"What was found."`
	Severity           Severity           `json:"severity" enum:"low,medium,high" doc:"low, medium or high."`
	SubjectType        FindingSubjectType `json:"subject_type,omitempty" enum:"contract,vendor,confirmation,cloud_service,social_account" doc:"The kind of register record it concerns, if any."`
	SubjectID          string             `json:"subject_id,omitempty" doc:"The record it concerns, if any."`
	CorrectiveActionID string             `json:"corrective_action_id,omitempty" doc:"The corrective action it opened."`
	RecordedBy         string             `json:"recorded_by,omitempty" format:"uuid" doc:"Who recorded it."`
	CreatedAt          time.Time          `json:"created_at" doc:"When it was recorded (RFC 3339, UTC)."`
}

// AuditFindingInput records a finding.
type AuditFindingInput struct {
	Description string             `json:"description" minLength:"1" maxLength:"4000" doc:"What was found." example:"再委託先の情報セキュリティ対策の確認記録が保存されていない" validate:"required,max=4000" text:"multiline"`
	Severity    Severity           `json:"severity" enum:"low,medium,high" doc:"low, medium or high." validate:"required,oneof=low medium high"`
	SubjectType FindingSubjectType `json:"subject_type,omitempty" enum:"contract,vendor,confirmation,cloud_service,social_account" doc:"The kind of register record it concerns; with subject_id." validate:"omitempty,oneof=contract vendor confirmation cloud_service social_account"`
	SubjectID   string             `json:"subject_id,omitempty" format:"uuid" doc:"The record it concerns; with subject_type." validate:"omitempty,uuid"`
	// Action opens a corrective action for the finding.
	Action *ActionRequest `json:"action,omitempty" doc:"Opens a corrective action for the finding; its owner is required."`
}

// FindingRefusal applies the rules of a finding. EINVALID.
func FindingRefusal(in AuditFindingInput) error {
	var fe FieldErrors
	if (in.SubjectType == "") != (in.SubjectID == "") {
		fe.AddJa("subject_id", "give subject_type and subject_id together", "対象の種類と対象を併せて指定してください。", nil)
	}
	if in.Action != nil {
		if in.Action.OwnerID == "" {
			fe.AddJa("action.owner_id", "is required", "是正措置の担当者を入力してください。", nil)
		}
		if in.Action.DueDate.IsZero() {
			fe.AddJa("action.due_date", "is required", "是正の期限を入力してください。", nil)
		}
	}
	return fe.ErrJa("the finding breaks one or more rules", "指摘事項の内容に誤りがあります。")
}

// AuditRecordFilter narrows ListAudits.
type AuditRecordFilter struct {
	FiscalYear int
	Status     AuditStatus
}

// AuditRecordService manages audits (監査) and their findings.
type AuditRecordService interface {
	// CreateAudit records an audit. EINVALID.
	CreateAudit(ctx context.Context, in AuditInput) (*Audit, error)
	// FindAudit returns one audit. ENOTFOUND.
	FindAudit(ctx context.Context, id string) (*Audit, error)
	// ListAudits returns a page of audits. EINVALID.
	ListAudits(ctx context.Context, f AuditRecordFilter, p PageRequest) (Page[*Audit], error)
	// ReplaceAudit edits an audit. ENOTFOUND, EINVALID, ESTALE.
	ReplaceAudit(ctx context.Context, id string, ifVersion *int, in AuditInput) (*Audit, error)
	// ListAuditFindings returns an audit's findings, oldest first.
	// ENOTFOUND.
	ListAuditFindings(ctx context.Context, auditID string) ([]*AuditFinding, error)
	// FindAuditFinding returns one finding. ENOTFOUND.
	FindAuditFinding(ctx context.Context, id string) (*AuditFinding, error)
	// CreateAuditFinding records a finding, and opens its corrective
	// action when asked. EFORBIDDEN unless the caller may write the
	// registers or holds the auditor role; ENOTFOUND, EINVALID.
	CreateAuditFinding(ctx context.Context, auditID string, in AuditFindingInput) (*AuditFinding, error)
	// AuditReport computes an audit's report. ENOTFOUND.
	AuditReport(ctx context.Context, auditID string) (*InspectionReport, error)
}
