package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// AuditVerificationOutput is the result of verify-audit-chain.
type AuditVerificationOutput struct {
	Body domain.AuditVerification
}

func (s *Server) registerAudit() {
	const tag = "Audit"
	huma.Register(s.api, operation{
		ID: "list-audit-events", Method: http.MethodGet, Path: "/v1/audit-events", Tag: tag,
		Summary: "List audit events",
		Description: "Lists the audit trail in chain order: every change, who made it, and the entity before and after. " +
			"Events are written in the transaction of the change and chained by SHA-256. fiscal_year selects the events of that fiscal year (年度), " +
			"counted in the body's time zone. Admin and auditor only.",
		Permission: domain.PermAudit, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		EntityType string    `query:"entity_type" maxLength:"40" doc:"Only events about this kind of entity, such as person."`
		EntityID   string    `query:"entity_id" maxLength:"80" doc:"Only events about this entity."`
		ActorID    string    `query:"actor_id" format:"uuid" doc:"Only events by this person."`
		Since      time.Time `query:"since" doc:"Only events at or after this instant (RFC 3339)."`
		FiscalYear int       `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only events of this fiscal year (年度, April to March), counted in the body's time zone: 2026 is from 2026-04-01 00:00 to 2027-03-31 24:00 there."`
	}) (*ListOutput[*domain.AuditEvent], error) {
		f := domain.AuditFilter{EntityType: in.EntityType, EntityID: in.EntityID, ActorID: in.ActorID, FiscalYear: in.FiscalYear}
		if !in.Since.IsZero() {
			f.Since = &in.Since
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return s.Audit.ListAuditEvents(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "verify-audit-chain", Method: http.MethodGet, Path: "/v1/audit-events/verify", Tag: tag,
		Summary: "Verify the audit chain",
		Description: "Recomputes every event's hash and link and reports the first broken one: an event changed, removed or " +
			"inserted in the database outside vendorwatch. Then re-hashes every live evidence file's bytes in storage and lists " +
			"each one whose bytes no longer match its recorded sha256, or that storage no longer holds, in files_broken; ok is " +
			"false when anything is broken. Admin and auditor only.",
		Permission: domain.PermAudit,
	}.huma(), func(ctx context.Context, _ *struct{}) (*AuditVerificationOutput, error) {
		v, err := s.Audit.VerifyAuditChain(ctx)
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return &AuditVerificationOutput{Body: v}, nil
	})
}
