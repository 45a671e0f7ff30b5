package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Incidents (情報セキュリティインシデント, 第6 ⑦): a breach or suspected breach
// involving outside services, handled along a timeline of steps whose
// deadlines come from the settings' severity levels.

// IncidentStep is one step of an incident's timeline.
type IncidentStep string

// The steps, in the order they are recorded. Status is the last recorded.
const (
	StepDetected       IncidentStep = "detected"
	StepReportedToCISO IncidentStep = "reported_to_ciso"
	StepContained      IncidentStep = "contained"
	StepRecovered      IncidentStep = "recovered"
	StepClosed         IncidentStep = "closed"
)

// IncidentSteps lists the steps in order.
var IncidentSteps = []IncidentStep{StepDetected, StepReportedToCISO, StepContained, StepRecovered, StepClosed}

// Index returns the step's position in IncidentSteps, or -1.
func (s IncidentStep) Index() int {
	for i, x := range IncidentSteps {
		if x == s {
			return i
		}
	}
	return -1
}

// DisplayName names the step in the locale.
func (s IncidentStep) DisplayName(l Locale) string {
	ja, en := string(s), string(s)
	switch s {
	case StepDetected:
		ja, en = "検知", "Detected"
	case StepReportedToCISO:
		ja, en = "CISOへの報告", "Reported to the CISO"
	case StepContained:
		ja, en = "封じ込め", "Contained"
	case StepRecovered:
		ja, en = "復旧", "Recovered"
	case StepClosed:
		ja, en = "終結", "Closed"
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

// IncidentReporter says who reported an incident.
type IncidentReporter string

// Reporters: our own staff, or the contractor under its contract's
// periodic_and_emergency_reporting clause (緊急時報告義務).
const (
	ReportedByStaff      IncidentReporter = "staff"
	ReportedByContractor IncidentReporter = "contractor"
)

// IncidentRecordType names a kind of register record an incident involves.
type IncidentRecordType string

// The records an incident may involve.
const (
	RecordVendor        IncidentRecordType = "vendor"
	RecordContract      IncidentRecordType = "contract"
	RecordCloudService  IncidentRecordType = "cloud_service"
	RecordSocialAccount IncidentRecordType = "social_account"
)

// PagePrefix is the staff page (and, after /v1, the API path) of the
// record type's records.
func (t IncidentRecordType) PagePrefix() string {
	switch t {
	case RecordVendor:
		return "/vendors/"
	case RecordContract:
		return "/contracts/"
	case RecordCloudService:
		return "/cloud-services/"
	case RecordSocialAccount:
		return "/social-accounts/"
	}
	return ""
}

// DisplayName names the record type in the locale.
func (t IncidentRecordType) DisplayName(l Locale) string {
	ja, en := string(t), string(t)
	switch t {
	case RecordVendor:
		ja, en = "委託事業者", "Vendor"
	case RecordContract:
		ja, en = "契約", "Contract"
	case RecordCloudService:
		ja, en = "約款による外部サービス", "Cloud service"
	case RecordSocialAccount:
		ja, en = "ソーシャルメディアのアカウント", "Social-media account"
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

// IncidentRecord is one register record an incident involves.
type IncidentRecord struct {
	Type IncidentRecordType `json:"type" enum:"vendor,contract,cloud_service,social_account" doc:"vendor, contract, cloud_service or social_account." validate:"required,oneof=vendor contract cloud_service social_account"`
	ID   string             `json:"id" format:"uuid" doc:"The record's id; it must exist." validate:"required,uuid"`
}

// Clause codes an incident reads from its involved contracts.
const (
	ClauseEmergencyReporting  = "periodic_and_emergency_reporting"
	ClauseIncidentPublication = "incident_publication"
)

// IncidentDeadlines are how long after detection each step is due, in
// minutes.
type IncidentDeadlines struct {
	ReportedToCISOMinutes int `json:"reported_to_ciso_minutes" minimum:"1" maximum:"525600" doc:"Minutes after detection by which the CISO must be told." validate:"min=1,max=525600"`
	ContainedMinutes      int `json:"contained_minutes" minimum:"1" maximum:"525600" doc:"Minutes after detection by which the incident must be contained." validate:"min=1,max=525600"`
	RecoveredMinutes      int `json:"recovered_minutes" minimum:"1" maximum:"525600" doc:"Minutes after detection by which service must be recovered." validate:"min=1,max=525600"`
	ClosedMinutes         int `json:"closed_minutes" minimum:"1" maximum:"525600" doc:"Minutes after detection by which the incident must be closed with its lessons learned." validate:"min=1,max=525600"`
}

// For returns the minutes of a step (0 for detected).
func (d IncidentDeadlines) For(s IncidentStep) int {
	switch s {
	case StepReportedToCISO:
		return d.ReportedToCISOMinutes
	case StepContained:
		return d.ContainedMinutes
	case StepRecovered:
		return d.RecoveredMinutes
	case StepClosed:
		return d.ClosedMinutes
	}
	return 0
}

// IncidentSeverityLevel is one severity an incident may have.
type IncidentSeverityLevel struct {
	Code             string            `json:"code" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"Stable code, e.g. high." validate:"required,max=40"`
	TitleJa          string            `json:"title_ja" minLength:"1" maxLength:"100" doc:"Japanese name, e.g. 高." validate:"required,max=100"`
	TitleEn          string            `json:"title_en" minLength:"1" maxLength:"100" doc:"English name, e.g. High." validate:"required,max=100"`
	NotifyCISOAtOnce bool              `json:"notify_ciso_at_once" required:"false" doc:"E-mail every active ciso as soon as an incident of this severity is recorded (or raised to it)."`
	Deadlines        IncidentDeadlines `json:"deadlines" doc:"How soon after detection each step is due."`
}

// Title returns the level's name in the locale.
func (s IncidentSeverityLevel) Title(l Locale) string {
	if l == LocaleEn {
		return s.TitleEn
	}
	return s.TitleJa
}

// DefaultIncidentSeverities are the levels of a new database.
var DefaultIncidentSeverities = []IncidentSeverityLevel{
	{Code: "high", TitleJa: "高", TitleEn: "High", NotifyCISOAtOnce: true,
		Deadlines: IncidentDeadlines{ReportedToCISOMinutes: 60, ContainedMinutes: 24 * 60, RecoveredMinutes: 72 * 60, ClosedMinutes: 30 * 24 * 60}},
	{Code: "medium", TitleJa: "中", TitleEn: "Medium",
		Deadlines: IncidentDeadlines{ReportedToCISOMinutes: 4 * 60, ContainedMinutes: 72 * 60, RecoveredMinutes: 7 * 24 * 60, ClosedMinutes: 60 * 24 * 60}},
	{Code: "low", TitleJa: "低", TitleEn: "Low",
		Deadlines: IncidentDeadlines{ReportedToCISOMinutes: 24 * 60, ContainedMinutes: 7 * 24 * 60, RecoveredMinutes: 14 * 24 * 60, ClosedMinutes: 90 * 24 * 60}},
}

// IncidentSeverityProblems checks the settings' levels: at least one,
// unique codes of the right shape, and deadlines that increase step by step.
func IncidentSeverityProblems(levels []IncidentSeverityLevel) FieldErrors {
	var fe FieldErrors
	if len(levels) == 0 {
		fe.AddJa("incident_severities", "at least one severity level is required", "重要度を1つ以上定めてください。", nil)
	}
	seen := map[string]bool{}
	for i, s := range levels {
		at := fmt.Sprintf("incident_severities[%d]", i)
		if !codePattern(s.Code) {
			fe.AddJa(at+".code", "must be lower-case letters, digits and _ (starting with a letter, at most 40)", "英小文字で始まる英小文字・数字・_（40文字以内）で入力してください。", s.Code)
		}
		if seen[s.Code] {
			fe.AddJa(at+".code", "is used by another level", "他の重要度と同じコードです。", s.Code)
		}
		seen[s.Code] = true
		d := s.Deadlines
		prev := 0
		for _, step := range IncidentSteps[1:] {
			m := d.For(step)
			if m <= prev {
				fe.AddJa(at+".deadlines."+string(step)+"_minutes", "must be later than the previous step's deadline",
					"前の段階の期限より後にしてください。", m)
			}
			prev = m
		}
	}
	return fe
}

func codePattern(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// IncidentSeverityOf returns the level of code, or false.
func (p PolicySettings) IncidentSeverityOf(code string) (IncidentSeverityLevel, bool) {
	for _, s := range p.IncidentSeverities {
		if s.Code == code {
			return s, true
		}
	}
	return IncidentSeverityLevel{}, false
}

// IncidentSeverityCodes lists the codes of the settings' levels.
func (p PolicySettings) IncidentSeverityCodes() []string {
	out := make([]string, len(p.IncidentSeverities))
	for i, s := range p.IncidentSeverities {
		out[i] = s.Code
	}
	return out
}

// StepDeadline returns when step is due for an incident detected at
// detected of the level: detected plus the level's minutes. The detected
// step has no deadline (zero time).
func StepDeadline(detected time.Time, level IncidentSeverityLevel, step IncidentStep) time.Time {
	m := level.Deadlines.For(step)
	if m == 0 {
		return time.Time{}
	}
	return detected.Add(time.Duration(m) * time.Minute).UTC()
}

// TimelineEntry is one step of an incident's timeline: its deadline, and
// who recorded it when, once done.
type TimelineEntry struct {
	Step     IncidentStep `json:"step" enum:"detected,reported_to_ciso,contained,recovered,closed" doc:"The step."`
	Deadline *time.Time   `json:"deadline,omitempty" doc:"When it is due: detected_at plus the severity's minutes for the step (RFC 3339, UTC). None for detected."`
	At       *time.Time   `json:"at,omitempty" doc:"When it happened (RFC 3339, UTC); absent while pending."`
	By       string       `json:"by,omitempty" format:"uuid" doc:"Who recorded it."`
	Note     string       `json:"note,omitempty" doc:"What was done."`
	// RecordedAt is when the step was entered in the register.
	RecordedAt *time.Time `json:"recorded_at,omitempty" doc:"When the step was entered in the register (RFC 3339, UTC)."`
	Done       bool       `json:"done" doc:"Recorded."`
	Met        *bool      `json:"met,omitempty" doc:"For a recorded step with a deadline: whether it happened by the deadline."`
	Overdue    bool       `json:"overdue" doc:"Pending and past its deadline; computed."`
	// ReminderSubjectID is the subject_id of the step's reminders in the
	// ledger (GET /v1/reminders?subject_id=…).
	ReminderSubjectID string `json:"reminder_subject_id,omitempty" format:"uuid" doc:"The subject_id of this step's reminders in the reminder ledger (subject_type incident_step)."`
}

// IncidentSuspension is a suspension an incident made.
type IncidentSuspension struct {
	Type   IncidentRecordType `json:"type" enum:"vendor,contract,cloud_service,social_account" doc:"vendor or social_account."`
	ID     string             `json:"id" format:"uuid" doc:"The suspended record."`
	Reason string             `json:"reason" doc:"Why, as recorded on the record."`
	By     string             `json:"by,omitempty" format:"uuid" doc:"Who suspended it."`
	At     time.Time          `json:"at" doc:"When (RFC 3339, UTC)."`
}

// Incident is an information security incident (情報セキュリティインシデント).
type Incident struct {
	ID                          string               `json:"id" doc:"UUIDv7 of the incident."`
	Title                       string               `json:"title" doc:"A short name."`
	Description                 string               `json:"description" doc:"What happened."`
	DetectedAt                  time.Time            `json:"detected_at" doc:"When it was detected (RFC 3339, UTC); every deadline counts from it."`
	ReportedBy                  IncidentReporter     `json:"reported_by" enum:"staff,contractor" doc:"staff (reporter_id) or contractor (under reporting_contract_id's periodic_and_emergency_reporting clause)."`
	ReporterID                  string               `json:"reporter_id,omitempty" format:"uuid" doc:"For staff: who reported it."`
	ReportingContractID         string               `json:"reporting_contract_id,omitempty" format:"uuid" doc:"For contractor: the contract under which the contractor reported."`
	ReportingClauseIncluded     bool                 `json:"reporting_clause_included" doc:"For contractor: whether that contract includes the periodic_and_emergency_reporting clause (緊急時報告義務); computed at each write."`
	ContractorReportedAt        *time.Time           `json:"contractor_reported_at,omitempty" doc:"For contractor: when the contractor reported (RFC 3339, UTC)."`
	Severity                    string               `json:"severity" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"A code of the settings' incident_severities."`
	AffectedAssets              []InformationAsset   `json:"affected_assets" doc:"The information assets affected, with their classification."`
	PersonalInformationInvolved bool                 `json:"personal_information_involved" doc:"Whether personal information (個人情報) was involved."`
	Records                     []IncidentRecord     `json:"records" doc:"The vendors, contracts, cloud services and social-media accounts involved (one or more)."`
	OwnerID                     string               `json:"owner_id" format:"uuid" doc:"Our person handling it; the step reminders go to them."`
	Status                      IncidentStep         `json:"status" enum:"detected,reported_to_ciso,contained,recovered,closed" doc:"The last step recorded."`
	Timeline                    []TimelineEntry      `json:"timeline" doc:"Every step, in order, with its deadline and, once done, who and when."`
	NextStep                    IncidentStep         `json:"next_step,omitempty" enum:"detected,reported_to_ciso,contained,recovered,closed" doc:"The next step to record; absent once closed."`
	NextDeadline                *time.Time           `json:"next_deadline,omitempty" doc:"The next step's deadline (RFC 3339, UTC)."`
	Overdue                     bool                 `json:"overdue" doc:"The next step's deadline has passed; computed."`
	PublicationDefault          bool                 `json:"publication_default" doc:"Whether an involved contract includes the incident_publication clause (組合による公表), so publication is expected; computed at each write."`
	PublicationRequired         bool                 `json:"publication_required" doc:"Whether the body must publish the incident: publication_default unless overridden with a reason."`
	PublicationOverrideReason   string               `json:"publication_override_reason,omitempty" doc:"Why publication_required differs from publication_default."`
	PublishedOn                 Date                 `json:"published_on,omitzero" format:"date" doc:"When the body published it."`
	PublicationNote             string               `json:"publication_note,omitempty" doc:"Where and how it was published."`
	LessonsLearned              string               `json:"lessons_learned,omitempty" doc:"What was learned; required to close."`
	CorrectiveActionIDs         []string             `json:"corrective_action_ids" doc:"The corrective actions opened from it."`
	Suspensions                 []IncidentSuspension `json:"suspensions" doc:"The suspensions it made."`
	Version                     int                  `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt                   time.Time            `json:"created_at" doc:"When it was recorded (RFC 3339, UTC)."`
	UpdatedAt                   time.Time            `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// Closed reports whether the incident is closed.
func (i *Incident) Closed() bool { return i.Status == StepClosed }

// Step returns the timeline entry of s.
func (i *Incident) Step(s IncidentStep) *TimelineEntry {
	for k := range i.Timeline {
		if i.Timeline[k].Step == s {
			return &i.Timeline[k]
		}
	}
	return nil
}

// IncidentInput creates or replaces an incident.
type IncidentInput struct {
	Title                       string             `json:"title" minLength:"1" maxLength:"200" doc:"A short name." example:"委託先サーバへの不正アクセス" validate:"required,max=200"`
	Description                 string             `json:"description" minLength:"1" maxLength:"8000" doc:"What happened." validate:"required,max=8000" text:"multiline"`
	DetectedAt                  time.Time          `json:"detected_at" doc:"When it was detected (RFC 3339); not in the future." example:"2026-12-01T09:00:00+09:00"`
	ReportedBy                  IncidentReporter   `json:"reported_by" enum:"staff,contractor" doc:"staff or contractor." validate:"required,oneof=staff contractor"`
	ReporterID                  string             `json:"reporter_id,omitempty" format:"uuid" doc:"For staff: who reported it (required then)." validate:"omitempty,uuid"`
	ReportingContractID         string             `json:"reporting_contract_id,omitempty" format:"uuid" doc:"For contractor: the contract under which it reported (required then, and among records)." validate:"omitempty,uuid"`
	ContractorReportedAt        *time.Time         `json:"contractor_reported_at,omitempty" doc:"For contractor: when it reported (required then; not before detected_at, not in the future)."`
	Severity                    string             `json:"severity" minLength:"1" maxLength:"40" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"A code of the settings' incident_severities." example:"high" validate:"required,max=40"`
	AffectedAssets              []InformationAsset `json:"affected_assets" required:"false" maxItems:"50" doc:"The information assets affected, with their classification." validate:"max=50,dive"`
	PersonalInformationInvolved bool               `json:"personal_information_involved" required:"false" doc:"Whether personal information was involved."`
	Records                     []IncidentRecord   `json:"records" minItems:"1" maxItems:"50" doc:"The records involved: one or more, each existing, none twice." validate:"required,min=1,max=50,dive"`
	OwnerID                     string             `json:"owner_id" format:"uuid" doc:"Our person handling it." validate:"required,uuid"`
	PublicationRequired         *bool              `json:"publication_required,omitempty" doc:"Override of publication_default; a value different from it needs publication_override_reason. Absent: the default."`
	PublicationOverrideReason   string             `json:"publication_override_reason,omitempty" maxLength:"2000" doc:"Why publication_required differs from the default." validate:"max=2000" text:"multiline"`
	LessonsLearned              string             `json:"lessons_learned,omitempty" maxLength:"8000" doc:"What was learned; required to close." validate:"max=8000" text:"multiline"`
}

// IncidentStepInput records the next step of an incident.
type IncidentStepInput struct {
	Step IncidentStep `json:"step" enum:"detected,reported_to_ciso,contained,recovered,closed" doc:"The step: it must be the next one (409 otherwise; detected is recorded with the incident)." validate:"required,oneof=detected reported_to_ciso contained recovered closed"`
	At   *time.Time   `json:"at,omitempty" doc:"When it happened; now when absent. Not before the previous step, not in the future."`
	Note string       `json:"note,omitempty" maxLength:"4000" doc:"What was done." validate:"max=4000" text:"multiline"`
	// LessonsLearned may be given with the closing step.
	LessonsLearned string `json:"lessons_learned,omitempty" maxLength:"8000" doc:"With closed: the lessons learned, when the incident does not have them yet (closing needs them)." validate:"max=8000" text:"multiline"`
}

// IncidentActionInput opens a corrective action from an incident.
type IncidentActionInput struct {
	Description string   `json:"description" minLength:"1" maxLength:"4000" doc:"What must be corrected." validate:"required,max=4000" text:"multiline"`
	Severity    Severity `json:"severity" enum:"low,medium,high" doc:"low, medium or high." validate:"required,oneof=low medium high"`
	OwnerID     string   `json:"owner_id,omitempty" format:"uuid" doc:"Who follows it up; the incident's owner when absent." validate:"omitempty,uuid"`
	DueDate     Date     `json:"due_date" format:"date" doc:"When it must be done (moved to the previous business day)." example:"2027-01-31"`
	ContractID  string   `json:"contract_id,omitempty" format:"uuid" doc:"The involved contract concerned, if any." validate:"omitempty,uuid"`
}

// IncidentSuspensionInput suspends a record an incident involves.
type IncidentSuspensionInput struct {
	Type   IncidentRecordType `json:"type" enum:"vendor,contract,cloud_service,social_account" doc:"vendor or social_account: only those can be suspended (422 for the others)." validate:"required,oneof=vendor social_account"`
	ID     string             `json:"id" format:"uuid" doc:"The involved vendor or social-media account." validate:"required,uuid"`
	Reason string             `json:"reason" minLength:"1" maxLength:"2000" doc:"Why; recorded on the record too." validate:"required,max=2000" text:"multiline"`
}

// IncidentPublicationInput records that the body published an incident.
type IncidentPublicationInput struct {
	PublishedOn Date   `json:"published_on" format:"date" doc:"When it was published; not in the future." example:"2026-12-10"`
	Note        string `json:"note,omitempty" maxLength:"2000" doc:"Where and how." validate:"max=2000" text:"multiline"`
}

// IncidentFilter narrows ListIncidents.
type IncidentFilter struct {
	Status   IncidentStep
	Severity string
	OwnerID  string
	// RecordID keeps the incidents involving that record.
	RecordID string
	// Open keeps the incidents not closed.
	Open bool
	Q    string
	// FiscalYear keeps the incidents detected in that fiscal year (年度); 0 for all.
	FiscalYear int
}

// NextIncidentStep returns the first step of the timeline not done, or ""
// when every step is done.
func NextIncidentStep(tl []TimelineEntry) IncidentStep {
	for _, e := range tl {
		if !e.Done {
			return e.Step
		}
	}
	return ""
}

// StepOrderRefusal says whether step may be recorded at at on a timeline:
// it must be the next pending step (ECONFLICT otherwise: a step done
// already, one whose previous step is not done, or any step once closed),
// at no earlier than the previous step and not after now (EINVALID), and
// closing needs lessons learned (EINVALID naming lessons_learned).
func StepOrderRefusal(tl []TimelineEntry, step IncidentStep, at, now time.Time, lessons string) error {
	next := NextIncidentStep(tl)
	if next == "" {
		return Errorf(ECONFLICT, "the incident is closed: no step can be recorded").WithJa("このインシデントは終結しているため、段階を記録できません。")
	}
	if step != next {
		if i := step.Index(); i >= 0 && i < next.Index() {
			return Errorf(ECONFLICT, "step %s is already recorded; the next step is %s", step, next).
				WithJa("「%s」は既に記録されています。次は「%s」です。", step.DisplayName(LocaleJa), next.DisplayName(LocaleJa))
		}
		return Errorf(ECONFLICT, "step %s cannot be recorded before %s", step, next).
			WithJa("「%s」より前に「%s」を記録することはできません。", next.DisplayName(LocaleJa), step.DisplayName(LocaleJa))
	}
	var fe FieldErrors
	prev := tl[step.Index()-1]
	if prev.At != nil && at.Before(*prev.At) {
		fe.AddJa("at", "must not be before the previous step ("+prev.At.Format(time.RFC3339)+")", "前の段階の日時より前にはできません。", at.Format(time.RFC3339))
	}
	if at.After(now) {
		fe.AddJa("at", "must not be in the future", "未来の日時は指定できません。", at.Format(time.RFC3339))
	}
	if step == StepClosed && strings.TrimSpace(lessons) == "" {
		fe.AddJa("lessons_learned", "closing an incident needs its lessons learned", "インシデントを終結するには、教訓（再発防止に向けて得られたこと）を入力してください。", nil)
	}
	return fe.ErrJa("the step cannot be recorded", "段階を記録できません。")
}

// BuildTimeline fills the deadlines, met and overdue flags of a timeline
// for an incident detected at detected of level, at instant now. tl holds
// the recorded steps (others are added pending).
func BuildTimeline(recorded []TimelineEntry, detected time.Time, level IncidentSeverityLevel, now time.Time) []TimelineEntry {
	byStep := map[IncidentStep]TimelineEntry{}
	for _, e := range recorded {
		byStep[e.Step] = e
	}
	out := make([]TimelineEntry, len(IncidentSteps))
	for i, s := range IncidentSteps {
		e, ok := byStep[s]
		e.Step, e.Done = s, ok && e.At != nil
		e.Deadline, e.Met, e.Overdue = nil, nil, false
		if s != StepDetected {
			d := StepDeadline(detected, level, s)
			e.Deadline = &d
			if e.Done {
				met := !e.At.After(d)
				e.Met = &met
			} else {
				e.Overdue = !now.Before(d)
			}
		}
		out[i] = e
	}
	return out
}

// PublicationProblems checks an override of the publication default: a
// value different from the default needs a reason.
func PublicationProblems(def bool, override *bool, reason string) FieldErrors {
	var fe FieldErrors
	if override != nil && *override != def && strings.TrimSpace(reason) == "" {
		fe.AddJa("publication_override_reason", fmt.Sprintf("publication_required %t differs from the default %t (incident_publication clause of the involved contracts): say why", *override, def),
			"公表の要否を既定（関係する契約の「組合による情報セキュリティインシデントの公表」条項）と異なる値にする理由を入力してください。", nil)
	}
	return fe
}

// IncidentStepStage returns the reminder stage of an incident step due at
// deadline, at instant now of day today. Before the deadline's day it is
// CurrentStage's (before_<n>, then due on the day); once the deadline
// instant has passed it is overdue at once, escalated to the supervisor,
// rather than escalation_delay_days after the date: an incident's deadlines
// are in hours, and the due-scan runs every 15 minutes. Overdue repeats then
// follow as for any date (lastOverdue).
func IncidentStepStage(deadline, now time.Time, today Date, loc *time.Location, lastOverdue *Stage, p PolicySettings) (Stage, bool) {
	due := DateOf(deadline, loc)
	if lastOverdue != nil {
		return CurrentStage(due, today, lastOverdue, p)
	}
	if due.Before(today) || (due == today && !now.Before(deadline)) {
		return Stage{Name: StageOverdue, On: today}, true
	}
	s, ok := CurrentStage(due, today, nil, p)
	if ok && s.Name == StageOverdue { // not reached: due is today or later
		s = Stage{Name: StageDue, On: due}
	}
	return s, ok
}

// IncidentService manages incidents.
type IncidentService interface {
	// FindIncident returns one incident. ENOTFOUND.
	FindIncident(ctx context.Context, id string) (*Incident, error)
	// ListIncidents returns a page of incidents, oldest first. EINVALID.
	ListIncidents(ctx context.Context, f IncidentFilter, p PageRequest) (Page[*Incident], error)
	// CreateIncident records an incident, its detected step, and, for a
	// severity with notify_ciso_at_once, the notice to every active ciso
	// (ledger rows and their digest jobs in the same transaction).
	// EINVALID naming every offending field (an unknown severity, a record
	// or person that does not exist, a contractor report without its
	// contract or time).
	CreateIncident(ctx context.Context, in IncidentInput) (*Incident, error)
	// ReplaceIncident edits an incident that is not closed; deadlines follow
	// detected_at and severity, and a raise to a notify_ciso_at_once
	// severity notifies every ciso. ENOTFOUND, EINVALID, ECONFLICT once
	// closed, ESTALE.
	ReplaceIncident(ctx context.Context, id string, ifVersion *int, in IncidentInput) (*Incident, error)
	// RecordIncidentStep records the next step. ENOTFOUND, ECONFLICT for a
	// step out of order or a closed incident, EINVALID (a time before the
	// previous step or in the future; closing without lessons learned),
	// ESTALE.
	RecordIncidentStep(ctx context.Context, id string, ifVersion *int, in IncidentStepInput) (*Incident, error)
	// OpenIncidentAction opens a corrective action from the incident and
	// lists it there. ENOTFOUND, EINVALID, ECONFLICT once closed, ESTALE.
	OpenIncidentAction(ctx context.Context, id string, ifVersion *int, in IncidentActionInput) (*Incident, *CorrectiveAction, error)
	// SuspendIncidentRecord suspends an involved vendor or social-media
	// account through the vendor's or account's own status change (same
	// rules: ECONFLICT from a status that cannot be suspended, EFORBIDDEN…)
	// and lists it on the incident, in one transaction. EINVALID for a
	// record not involved; ENOTFOUND, ECONFLICT once closed, ESTALE.
	SuspendIncidentRecord(ctx context.Context, id string, ifVersion *int, in IncidentSuspensionInput) (*Incident, error)
	// RecordIncidentPublication records when the body published the
	// incident. ENOTFOUND, EINVALID, ESTALE.
	RecordIncidentPublication(ctx context.Context, id string, ifVersion *int, in IncidentPublicationInput) (*Incident, error)
}
