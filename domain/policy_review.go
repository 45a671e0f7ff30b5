package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// PolicyReviewTrigger is what called for a review of the policy (第8): the
// result of an audit or a self-inspection, an incident, or a change in
// circumstances such as a new national guideline.
type PolicyReviewTrigger string

// Policy review triggers.
const (
	TriggerAuditResult          PolicyReviewTrigger = "audit_result"
	TriggerSelfInspectionResult PolicyReviewTrigger = "self_inspection_result"
	TriggerIncident             PolicyReviewTrigger = "incident"
	TriggerCircumstances        PolicyReviewTrigger = "circumstances"
)

// PolicyReviewTriggers lists every trigger in a stable order.
var PolicyReviewTriggers = []PolicyReviewTrigger{TriggerAuditResult, TriggerSelfInspectionResult, TriggerIncident, TriggerCircumstances}

// NeedsRecord reports whether the trigger names a record of another
// register (the audit, inspection campaign or incident) in trigger_id.
func (t PolicyReviewTrigger) NeedsRecord() bool {
	return t == TriggerAuditResult || t == TriggerSelfInspectionResult || t == TriggerIncident
}

// DisplayName names the trigger as people read it.
func (t PolicyReviewTrigger) DisplayName(l Locale) string {
	ja, en := "", ""
	switch t {
	case TriggerAuditResult:
		ja, en = "監査の結果", "Audit result"
	case TriggerSelfInspectionResult:
		ja, en = "自己点検の結果", "Self-inspection result"
	case TriggerIncident:
		ja, en = "情報セキュリティインシデント", "Security incident"
	case TriggerCircumstances:
		ja, en = "状況の変化（新たな指針等）", "Change in circumstances (a new guideline etc.)"
	default:
		return string(t)
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

// PolicyReviewStatus is where a review stands: draft → approved.
type PolicyReviewStatus string

// Policy review statuses.
const (
	PolicyReviewDraft    PolicyReviewStatus = "draft"
	PolicyReviewApproved PolicyReviewStatus = "approved"
)

// PolicyChangeEntityTypes are the audited entity types a review may name as
// a change it made: the settings and the catalogues. The store checks each
// linked event against them.
var PolicyChangeEntityTypes = []string{"settings", "catalogue_item"}

// IsPolicyChange reports whether an audit event records a change of the
// settings or of a catalogue made by someone (not the seeding of a new
// database).
func IsPolicyChange(e *AuditEvent) bool {
	if e == nil || e.Action == AuditSeed {
		return false
	}
	for _, t := range PolicyChangeEntityTypes {
		if e.EntityType == t {
			return true
		}
	}
	return false
}

// PolicyChange is one change of the settings or a catalogue that a review
// made, as the audit chain recorded it.
type PolicyChange struct {
	AuditEventID string    `json:"audit_event_id" doc:"The audit event of the change."`
	Seq          int64     `json:"seq" doc:"The event's position in the audit chain."`
	OccurredAt   time.Time `json:"occurred_at" doc:"When the change was made (RFC 3339, UTC)."`
	ActorName    string    `json:"actor_name" doc:"Who made the change."`
	Action       string    `json:"action" pattern:"^[a-z_]+$" doc:"What happened: create, update, or an operation name such as retire."`
	EntityType   string    `json:"entity_type" enum:"settings,catalogue_item" doc:"settings or catalogue_item."`
	EntityID     string    `json:"entity_id" pattern:"^[a-z0-9_/-]{1,80}$" doc:"What changed: 1 for the settings, <catalogue>/<code> for a catalogue item."`
	Fields       []string  `json:"fields" doc:"The fields whose value changed."`
	Summary      string    `json:"summary" doc:"What changed, in a line: the entity and each changed field with its old and new value."`
	SummaryJa    string    `json:"summary_ja" doc:"The summary in Japanese."`
}

// PolicyChangeOf describes an audit event as a change a review may link.
func PolicyChangeOf(e *AuditEvent) PolicyChange {
	c := PolicyChange{AuditEventID: e.ID, Seq: e.Seq, OccurredAt: e.OccurredAt, ActorName: e.ActorName, Action: e.Action,
		EntityType: e.EntityType, EntityID: e.EntityID, Fields: []string{}}
	diffs := snapshotDiff(e.Before, e.After)
	for _, d := range diffs {
		c.Fields = append(c.Fields, d.field)
	}
	what, whatJa := "settings", "設定"
	if e.EntityType != "settings" {
		what, whatJa = e.EntityType+" "+e.EntityID, "一覧の項目 "+e.EntityID
		en, ja := snapshotTitles(e.After)
		if en == "" && ja == "" {
			en, ja = snapshotTitles(e.Before)
		}
		if en != "" {
			what += " (" + en + ")"
		}
		if ja != "" {
			whatJa += "「" + ja + "」"
		}
	}
	verb, verbJa := e.Action, e.Action
	switch e.Action {
	case AuditCreate:
		verb, verbJa = "created", "追加"
	case AuditUpdate:
		verb, verbJa = "changed", "変更"
	case AuditDelete:
		verb, verbJa = "deleted", "削除"
	case "retire":
		verb, verbJa = "retired", "廃止"
	}
	parts := make([]string, 0, len(diffs))
	for _, d := range diffs {
		parts = append(parts, d.String())
	}
	c.Summary, c.SummaryJa = what+" "+verb, whatJa+"を"+verbJa
	if len(parts) > 0 && e.Action != AuditCreate && e.Action != AuditDelete {
		c.Summary += ": " + strings.Join(parts, "; ")
		c.SummaryJa += "：" + strings.Join(parts, "、")
	}
	return c
}

// snapshotFieldsIgnored are the bookkeeping fields of a snapshot that say
// nothing about the policy.
var snapshotFieldsIgnored = map[string]bool{"version": true, "updated_at": true, "created_at": true}

// fieldDiff is one top-level field of a snapshot whose value changed.
type fieldDiff struct {
	field, before, after string
}

// maxShownValue is how long a value a summary shows may be, in characters.
const maxShownValue = 60

func (d fieldDiff) String() string {
	if d.before == "" && d.after == "" {
		return d.field
	}
	return d.field + " " + d.before + " → " + d.after
}

// snapshotDiff compares two audit snapshots (JSON objects) field by field
// and returns the changed top-level fields in name order, with short values
// (long ones are left out).
func snapshotDiff(before, after json.RawMessage) []fieldDiff {
	var b, a map[string]json.RawMessage
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		if !snapshotFieldsIgnored[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []fieldDiff
	for _, k := range names {
		bv, av := compactJSON(b[k]), compactJSON(a[k])
		if bv == av {
			continue
		}
		d := fieldDiff{field: k}
		if utf8.RuneCountInString(bv) <= maxShownValue && utf8.RuneCountInString(av) <= maxShownValue {
			d.before, d.after = orNone(bv), orNone(av)
		}
		out = append(out, d)
	}
	return out
}

// snapshotTitles returns the English and Japanese titles of a catalogue
// item's snapshot, or "".
func snapshotTitles(snapshot json.RawMessage) (en, ja string) {
	var t struct {
		TitleEn string `json:"title_en"`
		TitleJa string `json:"title_ja"`
	}
	_ = json.Unmarshal(snapshot, &t)
	return t.TitleEn, t.TitleJa
}

func compactJSON(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return string(v)
	}
	return buf.String()
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// PolicyReview is a review of the information security policy itself
// (情報セキュリティポリシーの見直し, 第8): what called for it, what was
// decided, which settings and catalogues changed as a result (their audit
// events), who approved it, and when the policy is next reviewed.
type PolicyReview struct {
	ID                 string              `json:"id" doc:"UUIDv7 of the review."`
	Trigger            PolicyReviewTrigger `json:"trigger" enum:"audit_result,self_inspection_result,incident,circumstances" doc:"What called for the review: audit_result, self_inspection_result, incident, or circumstances (such as a new national guideline)."`
	TriggerID          string              `json:"trigger_id,omitempty" doc:"For audit_result, self_inspection_result and incident: the audit, self-inspection campaign or incident."`
	TriggerDescription string              `json:"trigger_description" doc:"What happened that called for the review."`
	Decision           string              `json:"decision" doc:"What was decided; required before approval."`
	Changes            []PolicyChange      `json:"changes" doc:"The settings and catalogue changes the review made, each with its audit event and what it changed, in chain order."`
	Status             PolicyReviewStatus  `json:"status" enum:"draft,approved" doc:"draft → approved."`
	OwnerID            string              `json:"owner_id" doc:"Who follows the next review up and is reminded of its date: the person who drafted it unless another is named."`
	DraftedBy          string              `json:"drafted_by,omitempty" format:"uuid" doc:"The person who drafted the review; cannot approve it."`
	ChangedBy          string              `json:"changed_by,omitempty" format:"uuid" doc:"The person who last changed the draft; cannot approve it either."`
	ApproverID         string              `json:"approver_id,omitempty" doc:"The ciso (最高情報セキュリティ責任者) who approved it."`
	ApprovedAt         *time.Time          `json:"approved_at,omitempty" doc:"When it was approved (RFC 3339, UTC)."`
	NextReviewDue      Date                `json:"next_review_due,omitzero" format:"date" doc:"When the policy is next reviewed: the date given, or the approval day plus policy_review_interval_months; moved to the previous business day. Reminded while this is the latest approved review."`
	NextReviewNominal  Date                `json:"next_review_due_nominal,omitzero" format:"date" doc:"The next review date before the move to a business day."`
	SupersededBy       string              `json:"superseded_by,omitempty" format:"uuid" doc:"The later approved review that took over the next review date; this one's date is no longer reminded."`
	Version            int                 `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt          time.Time           `json:"created_at" doc:"When it was drafted (RFC 3339, UTC)."`
	UpdatedAt          time.Time           `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// PolicyReviewInput drafts or edits a review.
type PolicyReviewInput struct {
	Trigger            PolicyReviewTrigger `json:"trigger" enum:"audit_result,self_inspection_result,incident,circumstances" doc:"What called for the review." validate:"required,oneof=audit_result self_inspection_result incident circumstances"`
	TriggerID          string              `json:"trigger_id,omitempty" format:"uuid" doc:"The audit, self-inspection campaign or incident: required for those triggers, refused for circumstances." validate:"omitempty,uuid"`
	TriggerDescription string              `json:"trigger_description" minLength:"1" maxLength:"4000" doc:"What happened that called for the review." example:"総務省「地方公共団体における情報セキュリティポリシーに関するガイドライン」の改定" validate:"required,max=4000" text:"multiline"`
	Decision           string              `json:"decision,omitempty" maxLength:"4000" doc:"What was decided; may wait in a draft, required before approval." example:"クラウドサービスの見直し間隔を12か月から6か月に短縮する" validate:"max=4000" text:"multiline"`
	Changes            []string            `json:"changes,omitempty" maxItems:"200" uniqueItems:"true" doc:"IDs of the audit events of the settings or catalogue changes the review made (see list-policy-review-candidate-changes); each must exist and be a settings or catalogue change." validate:"max=200,dive,uuid"`
	OwnerID            string              `json:"owner_id,omitempty" format:"uuid" doc:"Who follows the next review up; the caller's person when omitted." validate:"omitempty,uuid"`
	NextReviewDue      Date                `json:"next_review_due,omitzero" format:"date" doc:"When the policy is next reviewed; the approval day plus policy_review_interval_months when omitted. Must be after the approval day." example:"2027-12-01"`
}

// PolicyReviewInputProblems applies the rules of a draft that the tags
// cannot express: the record a trigger names, and the changes listed once
// each.
func PolicyReviewInputProblems(in PolicyReviewInput) FieldErrors {
	var fe FieldErrors
	switch {
	case in.Trigger.NeedsRecord() && in.TriggerID == "":
		fe.AddJa("trigger_id", "name the "+triggerRecord(in.Trigger)+" that called for the review",
			"見直しのきっかけとなった"+triggerRecordJa(in.Trigger)+"を指定してください。", nil)
	case in.Trigger == TriggerCircumstances && in.TriggerID != "":
		fe.AddJa("trigger_id", "a change in circumstances names no record; describe it in trigger_description",
			"状況の変化には記録を指定しません。内容をきっかけの説明に記入してください。", in.TriggerID)
	}
	seen := map[string]int{}
	for i, id := range in.Changes {
		if j, ok := seen[strings.ToLower(id)]; ok {
			fe.AddJa(fmt.Sprintf("changes[%d]", i), fmt.Sprintf("is listed already at changes[%d]", j),
				fmt.Sprintf("%d番目と同じ変更です。", j+1), id)
			continue
		}
		seen[strings.ToLower(id)] = i
	}
	return fe
}

func triggerRecord(t PolicyReviewTrigger) string {
	switch t {
	case TriggerAuditResult:
		return "audit"
	case TriggerSelfInspectionResult:
		return "self-inspection campaign"
	}
	return "incident"
}

func triggerRecordJa(t PolicyReviewTrigger) string {
	switch t {
	case TriggerAuditResult:
		return "監査"
	case TriggerSelfInspectionResult:
		return "自己点検"
	}
	return "インシデント"
}

// MayApprovePolicyReview reports whether a person may approve a review of
// the policy: an active holder of the ciso (最高情報セキュリティ責任者)
// role. The policy is the CISO's; a supervisor approves the uses of
// services under it, not the policy itself.
func MayApprovePolicyReview(p *Person) bool {
	return p != nil && p.Active && p.HasSecurityRole(SecurityRoleCISO)
}

// PolicyReviewApprovalRefusal says why approver (the actor's person, nil
// for the system or a token without one) may not approve review r, or
// returns nil. The approver must hold the ciso role, and, for separation of
// duties (職務の分離), must be neither the person who drafted the review nor
// the one who last changed it. Both refusals are EFORBIDDEN.
func PolicyReviewApprovalRefusal(approver *Person, r *PolicyReview) error {
	if !MayApprovePolicyReview(approver) {
		return Errorf(EFORBIDDEN, "approval of a policy review needs an active person holding the ciso (最高情報セキュリティ責任者) security role").
			WithJa("情報セキュリティポリシーの見直しを承認できるのは、最高情報セキュリティ責任者の役割を持つ在職中の職員だけです。")
	}
	if r.DraftedBy == approver.ID {
		return Errorf(EFORBIDDEN, "separation of duties (職務の分離): %s drafted this review and so cannot approve it; another ciso must", approver.Name).
			WithJa("職務の分離のため、この見直しを起案した%sさんは承認できません。別の最高情報セキュリティ責任者が承認してください。", approver.Name)
	}
	if r.ChangedBy == approver.ID {
		return Errorf(EFORBIDDEN, "separation of duties (職務の分離): %s last changed this review and so cannot approve it; another ciso must", approver.Name).
			WithJa("職務の分離のため、この見直しを最後に変更した%sさんは承認できません。別の最高情報セキュリティ責任者が承認してください。", approver.Name)
	}
	return nil
}

// PolicyReviewApprovalProblems applies the rules of an approval on day
// today: a decision is written, and the next review date (nominal, already
// defaulted) is after today.
func PolicyReviewApprovalProblems(r *PolicyReview, nextNominal, today Date) FieldErrors {
	var fe FieldErrors
	if strings.TrimSpace(r.Decision) == "" {
		fe.AddJa("decision", "write what was decided before approving", "承認の前に、決定した内容を記入してください。", nil)
	}
	if !nextNominal.After(today) {
		fe.AddJa("next_review_due", "must be after "+today.String(), today.String()+"より後の日付を指定してください。", nextNominal.String())
	}
	return fe
}

// NextPolicyReviewNominal is the next review date of a review approved on
// day approvedOn: the date given, or approvedOn plus the interval.
func NextPolicyReviewNominal(given, approvedOn Date, p PolicySettings) Date {
	if !given.IsZero() {
		return given
	}
	return approvedOn.AddMonths(p.PolicyReviewIntervalMonths)
}

// PolicyReviewFilter narrows ListPolicyReviews.
type PolicyReviewFilter struct {
	Status  PolicyReviewStatus
	Trigger PolicyReviewTrigger
	OwnerID string
	// FiscalYear keeps the reviews whose next review is due in that fiscal
	// year (年度, April to March); 0 for all.
	FiscalYear int
}

// PolicyReviewService records the reviews of the policy.
type PolicyReviewService interface {
	// FindPolicyReview returns one review with its changes. ENOTFOUND.
	FindPolicyReview(ctx context.Context, id string) (*PolicyReview, error)
	// ListPolicyReviews returns a page of reviews, oldest first. EINVALID.
	ListPolicyReviews(ctx context.Context, f PolicyReviewFilter, p PageRequest) (Page[*PolicyReview], error)
	// CreatePolicyReview drafts a review; the caller's person drafted it
	// and owns it unless owner_id names another. EINVALID, also for a
	// change (changes[i]) that is no audit event or no settings or
	// catalogue change, or an unknown owner.
	CreatePolicyReview(ctx context.Context, in PolicyReviewInput) (*PolicyReview, error)
	// ReplacePolicyReview edits a draft. EINVALID as for create, ECONFLICT
	// once approved, ENOTFOUND, ESTALE.
	ReplacePolicyReview(ctx context.Context, id string, ifVersion *int, in PolicyReviewInput) (*PolicyReview, error)
	// DeletePolicyReview deletes a draft that will not be approved; an
	// approved review is history and stays. ENOTFOUND, ECONFLICT once
	// approved, ESTALE.
	DeletePolicyReview(ctx context.Context, id string, ifVersion *int) error
	// ApprovePolicyReview approves a draft: its next review date is fixed
	// and reminded from then on, and the earlier approved review it
	// supersedes stops being reminded. EFORBIDDEN unless the caller's
	// person holds the ciso role and neither drafted nor last changed it;
	// EINVALID without a decision or with a next review date not after
	// today; ECONFLICT once approved; ENOTFOUND, ESTALE.
	ApprovePolicyReview(ctx context.Context, id string, ifVersion *int) (*PolicyReview, error)
	// ListPolicyChangeCandidates returns a page of the settings and
	// catalogue changes (their audit events, seeding left out) made since
	// the latest approved review was approved, or all when there is none,
	// in chain order: what a new review may link. EINVALID.
	ListPolicyChangeCandidates(ctx context.Context, p PageRequest) (Page[*PolicyChange], error)
}
