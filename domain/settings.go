package domain

import (
	"context"
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
	EscalationDelayDays         int           `json:"escalation_delay_days" minimum:"1" maximum:"90" doc:"Days after a due date at which an overdue item is escalated to the owner's supervisor." validate:"min=1,max=90"`
	DefaultReviewIntervalMonths int           `json:"default_review_interval_months" minimum:"1" maximum:"60" doc:"Months between periodic reviews of cloud services and social-media accounts, unless set on the item." validate:"min=1,max=60"`
}

// DefaultPolicySettings are the values of a new database.
var DefaultPolicySettings = PolicySettings{
	ConfirmationIntervalMonths:  TierIntervals{High: 6, Medium: 12, Low: 24},
	RenewalReviewLeadDays:       60,
	ReminderLeadDays:            []int{30, 7, 1},
	EscalationDelayDays:         7,
	DefaultReviewIntervalMonths: 12,
}

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
