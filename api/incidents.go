package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// IncidentOutput is one incident with its ETag.
type IncidentOutput struct {
	ETag string `header:"ETag" doc:"The incident's version as a strong ETag; send it back in If-Match."`
	Body *domain.Incident
}

func incidentOutput(i *domain.Incident) *IncidentOutput {
	return &IncidentOutput{ETag: etag(i.Version), Body: i}
}

// IncidentActionResult is an incident and the corrective action opened from it.
type IncidentActionResult struct {
	Incident         *domain.Incident         `json:"incident" doc:"The incident, listing the new action in corrective_action_ids."`
	CorrectiveAction *domain.CorrectiveAction `json:"corrective_action" doc:"The corrective action opened (source incident)."`
}

// IncidentActionOutput is IncidentActionResult with the incident's ETag.
type IncidentActionOutput struct {
	ETag string `header:"ETag" doc:"The incident's new version as a strong ETag."`
	Body *IncidentActionResult
}

func (s *Server) registerIncidents() {
	const tag = "Incidents"
	huma.Register(s.api, operation{
		ID: "list-incidents", Method: http.MethodGet, Path: "/v1/incidents", Tag: tag,
		Summary: "List incidents",
		Description: "Lists information security incidents (情報セキュリティインシデント, 第6 ⑦), oldest first. overdue says whether the " +
			"next step's deadline has passed. fiscal_year selects the incidents detected in that fiscal year (年度). Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Status     domain.IncidentStep `query:"status" enum:"detected,reported_to_ciso,contained,recovered,closed" doc:"Only incidents whose last recorded step is this."`
		Open       bool                `query:"open" doc:"Only incidents not closed."`
		Severity   string              `query:"severity" maxLength:"40" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"Only incidents of this severity code."`
		OwnerID    string              `query:"owner_id" format:"uuid" doc:"Only incidents this person handles."`
		RecordID   string              `query:"record_id" format:"uuid" doc:"Only incidents involving this vendor, contract, cloud service or social-media account."`
		Q          string              `query:"q" maxLength:"200" doc:"Part of the title or description; width, hiragana/katakana and case do not matter."`
		FiscalYear int                 `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only incidents detected in this fiscal year (年度, April to March, in the body's time zone)."`
	}) (*ListOutput[*domain.Incident], error) {
		f := domain.IncidentFilter{Status: in.Status, Open: in.Open, Severity: in.Severity, OwnerID: in.OwnerID, RecordID: in.RecordID,
			Q: in.Q, FiscalYear: in.FiscalYear}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return s.Incidents.ListIncidents(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-incident", Method: http.MethodGet, Path: "/v1/incidents/{id}", Tag: tag,
		Summary: "Get an incident", Description: "Returns one incident with its timeline: every step's deadline and, once recorded, who and when, and whether the deadline was met.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*IncidentOutput, error) {
		i, err := s.Incidents.FindIncident(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return incidentOutput(i), nil
	})

	huma.Register(s.api, operation{
		ID: "create-incident", Method: http.MethodPost, Path: "/v1/incidents", Tag: tag,
		Summary: "Record an incident",
		Description: "Records an incident and its detected step. Every step's deadline is detected_at plus the minutes the settings' " +
			"incident_severities give its severity (422 naming severity for an unknown code). Each involved record must exist (422 " +
			"naming records[i].id). A contractor's report names the contract it reported under (among the records) and when; " +
			"reporting_clause_included says whether that contract includes periodic_and_emergency_reporting. publication_required " +
			"defaults to whether an involved contract includes incident_publication; a different value needs " +
			"publication_override_reason. A severity with notify_ciso_at_once e-mails every active ciso at once (ledger stage " +
			"notice). Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.IncidentInput
	}) (*IncidentOutput, error) {
		i, err := s.Incidents.CreateIncident(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return incidentOutput(i), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-incident", Method: http.MethodPut, Path: "/v1/incidents/{id}", Tag: tag,
		Summary: "Edit an incident",
		Description: "Replaces an open incident's fields; the deadlines follow detected_at and severity, and a raise to a severity " +
			"with notify_ciso_at_once e-mails every ciso. The timeline is changed only with POST …/steps. 409 once closed. Needs " +
			"the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.IncidentInput
	}) (*IncidentOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		i, err := s.Incidents.ReplaceIncident(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return incidentOutput(i), nil
	})

	huma.Register(s.api, operation{
		ID: "record-incident-step", Method: http.MethodPost, Path: "/v1/incidents/{id}/steps", Tag: tag,
		Summary: "Record the next step of an incident",
		Description: "Records the next step of the timeline (detected → reported_to_ciso → contained → recovered → closed), once, " +
			"with who (the caller) and when (at, now by default; not before the previous step, not in the future). 409 for any " +
			"other step or once closed. closed needs lessons_learned (on the incident or in the request; 422). The step's " +
			"reminders stop and the next step's begin. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.IncidentStepInput
	}) (*IncidentOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		i, err := s.Incidents.RecordIncidentStep(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return incidentOutput(i), nil
	})

	huma.Register(s.api, operation{
		ID: "open-incident-corrective-action", Method: http.MethodPost, Path: "/v1/incidents/{id}/corrective-actions", Tag: tag,
		Summary: "Open a corrective action from an incident",
		Description: "Opens a corrective action (source incident) and lists it on the incident; it is reminded like any other. " +
			"contract_id, if given, must be an involved contract. 409 once closed. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.IncidentActionInput
	}) (*IncidentActionOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		i, a, err := s.Incidents.OpenIncidentAction(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &IncidentActionOutput{ETag: etag(i.Version), Body: &IncidentActionResult{Incident: i, CorrectiveAction: a}}, nil
	})

	huma.Register(s.api, operation{
		ID: "suspend-incident-record", Method: http.MethodPost, Path: "/v1/incidents/{id}/suspensions", Tag: tag,
		Summary: "Suspend a vendor or account an incident involves",
		Description: "Suspends an involved vendor (listed, or the vendor of an involved contract) or social-media account through " +
			"its own status change (the same rules and audit event as POST /v1/vendors/{id}/suspend or " +
			"/v1/social-accounts/{id}/suspend: 409 from a status that cannot be suspended), and lists the suspension on the " +
			"incident, in one transaction. 422 for a record the incident does not involve; 409 once closed. Needs the editor " +
			"or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.IncidentSuspensionInput
	}) (*IncidentOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		i, err := s.Incidents.SuspendIncidentRecord(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return incidentOutput(i), nil
	})

	huma.Register(s.api, operation{
		ID: "record-incident-publication", Method: http.MethodPost, Path: "/v1/incidents/{id}/publication", Tag: tag,
		Summary: "Record that an incident was published",
		Description: "Records the day the body published the incident (公表; not in the future, not before detection) and where. " +
			"Allowed after closure too. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.IncidentPublicationInput
	}) (*IncidentOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		i, err := s.Incidents.RecordIncidentPublication(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return incidentOutput(i), nil
	})
}
