package domain

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"time"
)

// TierIntervals are the months between security confirmations per risk tier.
type TierIntervals struct {
	High   int `json:"high" minimum:"1" maximum:"60" doc:"Months between confirmations of a high-risk contract." validate:"min=1,max=60"`
	Medium int `json:"medium" minimum:"1" maximum:"60" doc:"Months between confirmations of a medium-risk contract." validate:"min=1,max=60"`
	Low    int `json:"low" minimum:"1" maximum:"60" doc:"Months between confirmations of a low-risk contract." validate:"min=1,max=60"`
}

// For returns the interval of a tier.
func (ti TierIntervals) For(t RiskTier) int {
	switch t {
	case RiskHigh:
		return ti.High
	case RiskMedium:
		return ti.Medium
	}
	return ti.Low
}

// PolicySettings are the policy parameters that administrators adjust. Code
// reads them from here and never hard-wires them.
type PolicySettings struct {
	ConfirmationIntervalMonths  TierIntervals `json:"confirmation_interval_months" doc:"Months between security confirmations (遵守状況の確認), per vendor risk tier."`
	RenewalReviewLeadDays       int           `json:"renewal_review_lead_days" minimum:"0" maximum:"365" doc:"Days before a contract's notice deadline that its renewal review falls due." validate:"min=0,max=365"`
	ReminderLeadDays            []int         `json:"reminder_lead_days" minItems:"1" maxItems:"10" doc:"Days before a due date at which reminders go out." validate:"min=1,max=10,dive,min=1,max=365"`
	EscalationDelayDays         int           `json:"escalation_delay_days" minimum:"1" maximum:"90" doc:"Days after a due date at which the first overdue reminder goes out, to the owner and the owner's supervisor (every supervisor when the owner has none)." validate:"min=1,max=90"`
	DefaultReviewIntervalMonths int           `json:"default_review_interval_months" minimum:"1" maximum:"60" doc:"Months between periodic reviews of cloud services and social-media accounts, unless set on the item." validate:"min=1,max=60"`
	// The fields below were added after the first release; a request that
	// leaves one out (0, nil or false) keeps its default (see Normalize).
	ConfirmationBeforeEndDays  int      `json:"confirmation_before_end_days,omitempty" minimum:"0" maximum:"365" doc:"Days before a contract's end date that its confirmation falls due when the interval would land after the end (単年度契約); 30 by default." validate:"min=0,max=365"`
	OverdueRepeatDays          int      `json:"overdue_repeat_days,omitempty" minimum:"0" maximum:"90" doc:"Days between an overdue reminder and its repeat, for as long as the item stays unresolved; 7 by default." validate:"min=0,max=90"`
	CISOEscalationAfterRepeats int      `json:"ciso_escalation_after_repeats,omitempty" minimum:"0" maximum:"50" doc:"From this repeat of an overdue reminder on (the first overdue reminder is repeat 0), every active ciso is told too; 2 by default." validate:"min=0,max=50"`
	RiskAcceptanceMonths       int      `json:"risk_acceptance_months,omitempty" minimum:"0" maximum:"60" doc:"Months an accepted risk of a corrective action holds before the action comes due again; 12 by default." validate:"min=0,max=60"`
	ClosureDays                []string `json:"closure_days" required:"false" maxItems:"100" doc:"Days the body is closed besides weekends and national holidays: MM-DD every year, or YYYY-MM-DD once. 12-29 to 01-03 when left out; an empty list means none." validate:"max=100,dive,required,max=10"`
	JapaneseEraDates           bool     `json:"japanese_era_dates,omitempty" doc:"Write dates in Japanese e-mails and pages with the era (令和9年4月1日（木）) instead of the Western year (2027年4月1日（木））."`
	SessionIdleMinutes         int      `json:"session_idle_minutes,omitempty" minimum:"0" maximum:"1440" doc:"Minutes without use after which a staff-page session ends and the person signs in again; 30 by default." validate:"min=0,max=1440"`
	SessionAbsoluteHours       int      `json:"session_absolute_hours,omitempty" minimum:"0" maximum:"168" doc:"Hours after sign-in at which a staff-page session ends however busy it is; 10 by default (a working day)." validate:"min=0,max=168"`
	PolicyReviewIntervalMonths int      `json:"policy_review_interval_months,omitempty" minimum:"0" maximum:"60" doc:"Months from the approval of a review of the information security policy (第8) to the next one, unless the review names its date; 12 by default." validate:"min=0,max=60"`
	// IncidentSeverities are the severity levels of incidents (第6 ⑦),
	// each with how soon after detection each step is due.
	IncidentSeverities []IncidentSeverityLevel `json:"incident_severities,omitempty" maxItems:"20" doc:"The severity levels of incidents, each with whether every ciso is e-mailed at once and the minutes after detection by which each step is due (increasing step by step; codes unique). high, medium and low when left out." validate:"max=20,dive"`
	EvidenceMaxBytes   int64                   `json:"evidence_max_bytes,omitempty" minimum:"0" maximum:"1073741824" doc:"Largest evidence file accepted, in bytes; 20971520 (20 MiB) by default, at most 1 GiB. A larger upload is refused with 413 and leaves nothing behind." validate:"min=0,max=1073741824"`
	EvidenceMediaTypes []string                `json:"evidence_media_types,omitempty" maxItems:"50" maxLength:"100" pattern:"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$" doc:"Media types an evidence file may have, as sniffed from its bytes (type/subtype, no parameters); PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (OOXML and legacy), OpenDocument, text/plain and text/csv when left out. Another type is refused with 415." validate:"max=50,dive,required,max=100"`
	BodyName           string                  `json:"body_name,omitempty" maxLength:"200" doc:"The body's official name, printed at the head of the self-inspection and audit reports; 「○○組合」 (a blank to fill in) by default." validate:"max=200"`
	// Webhooks (see domain/webhook.go).
	WebhookFailuresBeforeDisable int  `json:"webhook_failures_before_disable,omitempty" minimum:"0" maximum:"1000" doc:"Failed delivery attempts in a row (any subscription's deliveries, retries included) after which a webhook subscription is disabled and its owner e-mailed; 10 by default. A success resets the run." validate:"min=0,max=1000"`
	WebhookAllowPrivateTargets   bool `json:"webhook_allow_private_targets,omitempty" doc:"Let webhooks connect to loopback, link-local, private (RFC 1918, ULA), CGNAT and other non-public addresses. Off by default: the address actually dialled is checked at send time (SSRF)."`
	WebhookTimeoutSeconds        int  `json:"webhook_timeout_seconds,omitempty" minimum:"0" maximum:"60" doc:"Seconds a webhook delivery attempt may take, connecting and reading the answer included; 10 by default." validate:"min=0,max=60"`
	WebhookSecretGraceHours      int  `json:"webhook_secret_grace_hours,omitempty" minimum:"0" maximum:"720" doc:"Hours the previous secret of a webhook subscription stays valid after a rotation: deliveries then carry one signature per secret; 24 by default." validate:"min=0,max=720"`
}

// defaultClosureDays are the body's year-end closure (年末年始, 12/29–1/3).
var defaultClosureDays = []string{"12-29", "12-30", "12-31", "01-01", "01-02", "01-03"}

// Check applies the rules validator tags cannot express.
func (p *PolicySettings) Check() FieldErrors {
	var fe FieldErrors
	fe = append(fe, IncidentSeverityProblems(p.IncidentSeverities)...)
	for i, c := range p.ClosureDays {
		if _, _, err := ParseClosureDay(c); err != nil {
			fe.AddJa(fmt.Sprintf("closure_days[%d]", i), err.Error(), "MM-DD（毎年）又は YYYY-MM-DD（その日だけ）の形式で入力してください。", c)
		}
	}
	for i, t := range p.EvidenceMediaTypes {
		if mt, params, err := mime.ParseMediaType(t); err != nil || len(params) > 0 || !strings.Contains(mt, "/") {
			fe.AddJa(fmt.Sprintf("evidence_media_types[%d]", i), "must be a media type such as application/pdf, without parameters",
				"application/pdf のようなメディアタイプを、パラメータなしで入力してください。", t)
		}
	}
	return fe
}

// ParseClosureDay reads a closure day: "MM-DD" (every year, year 0) or
// "YYYY-MM-DD" (that day only).
func ParseClosureDay(s string) (year int, d Date, err error) {
	if len(s) == len("MM-DD") {
		d, err := ParseDate("2000-" + s) // a leap year, so 02-29 is accepted
		if err != nil {
			return 0, Date{}, fmt.Errorf("must be MM-DD (every year) or YYYY-MM-DD (once)")
		}
		return 0, d, nil
	}
	d, err = ParseDate(s)
	if err != nil {
		return 0, Date{}, fmt.Errorf("must be MM-DD (every year) or YYYY-MM-DD (once)")
	}
	return d.year, d, nil
}

// Normalize fills in the defaults of the fields a request left out.
func (p *PolicySettings) Normalize() {
	d := DefaultPolicySettings
	if p.ConfirmationBeforeEndDays == 0 {
		p.ConfirmationBeforeEndDays = d.ConfirmationBeforeEndDays
	}
	if p.OverdueRepeatDays == 0 {
		p.OverdueRepeatDays = d.OverdueRepeatDays
	}
	if p.CISOEscalationAfterRepeats == 0 {
		p.CISOEscalationAfterRepeats = d.CISOEscalationAfterRepeats
	}
	if p.RiskAcceptanceMonths == 0 {
		p.RiskAcceptanceMonths = d.RiskAcceptanceMonths
	}
	if p.ClosureDays == nil {
		p.ClosureDays = append([]string(nil), d.ClosureDays...)
	}
	if p.SessionIdleMinutes == 0 {
		p.SessionIdleMinutes = d.SessionIdleMinutes
	}
	if p.SessionAbsoluteHours == 0 {
		p.SessionAbsoluteHours = d.SessionAbsoluteHours
	}
	if p.PolicyReviewIntervalMonths == 0 {
		p.PolicyReviewIntervalMonths = d.PolicyReviewIntervalMonths
	}
	if p.IncidentSeverities == nil {
		p.IncidentSeverities = append([]IncidentSeverityLevel(nil), d.IncidentSeverities...)
	}
	if p.EvidenceMaxBytes == 0 {
		p.EvidenceMaxBytes = d.EvidenceMaxBytes
	}
	if len(p.EvidenceMediaTypes) == 0 {
		p.EvidenceMediaTypes = DefaultEvidenceMediaTypes()
	} else {
		types := make([]string, len(p.EvidenceMediaTypes))
		for i, t := range p.EvidenceMediaTypes {
			types[i] = MediaTypeEssence(t)
		}
		p.EvidenceMediaTypes = types
	}
	if p.BodyName = strings.TrimSpace(p.BodyName); p.BodyName == "" {
		p.BodyName = d.BodyName
	}
	if p.WebhookFailuresBeforeDisable == 0 {
		p.WebhookFailuresBeforeDisable = d.WebhookFailuresBeforeDisable
	}
	if p.WebhookTimeoutSeconds == 0 {
		p.WebhookTimeoutSeconds = d.WebhookTimeoutSeconds
	}
	if p.WebhookSecretGraceHours == 0 {
		p.WebhookSecretGraceHours = d.WebhookSecretGraceHours
	}
}

// DefaultPolicySettings are the values of a new database.
var DefaultPolicySettings = PolicySettings{
	ConfirmationIntervalMonths:   TierIntervals{High: 6, Medium: 12, Low: 24},
	RenewalReviewLeadDays:        60,
	ReminderLeadDays:             []int{30, 7, 1},
	EscalationDelayDays:          7,
	DefaultReviewIntervalMonths:  12,
	ConfirmationBeforeEndDays:    30,
	OverdueRepeatDays:            7,
	CISOEscalationAfterRepeats:   2,
	RiskAcceptanceMonths:         12,
	ClosureDays:                  defaultClosureDays,
	SessionIdleMinutes:           30,
	SessionAbsoluteHours:         10,
	PolicyReviewIntervalMonths:   12,
	IncidentSeverities:           DefaultIncidentSeverities,
	EvidenceMaxBytes:             DefaultEvidenceMaxBytes,
	EvidenceMediaTypes:           defaultEvidenceMediaTypes,
	BodyName:                     DefaultBodyName,
	WebhookFailuresBeforeDisable: 10,
	WebhookTimeoutSeconds:        10,
	WebhookSecretGraceHours:      24,
}

// DefaultBodyName is the body's name until an administrator sets it: a blank
// to fill in (○○), so that a report printed before is plainly unfinished
// rather than carrying a made-up name.
const DefaultBodyName = "○○組合"

// Settings is the stored settings resource.
type Settings struct {
	PolicySettings
	Version   int       `json:"version" doc:"Increases with every change; sent back in If-Match."`
	UpdatedAt time.Time `json:"updated_at" doc:"When the settings last changed (RFC 3339, UTC)."`
}

// SettingsService reads and changes the policy settings.
type SettingsService interface {
	// GetSettings returns the current settings.
	GetSettings(ctx context.Context) (*Settings, error)
	// ReplaceSettings replaces the settings and, in the same transaction,
	// recomputes every due date derived from them. EINVALID, ESTALE,
	// ECONFLICT for a concurrent change.
	ReplaceSettings(ctx context.Context, ifVersion *int, in PolicySettings) (*Settings, error)
}
