package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// VendorOutput is one vendor with its ETag.
type VendorOutput struct {
	ETag string `header:"ETag" doc:"The vendor's version as a strong ETag; send it back in If-Match."`
	Body *domain.Vendor
}

func vendorOutput(v *domain.Vendor) *VendorOutput {
	return &VendorOutput{ETag: etag(v.Version), Body: v}
}

func (s *Server) registerVendors() {
	const tag = "Vendors"
	huma.Register(s.api, operation{
		ID: "list-vendors", Method: http.MethodGet, Path: "/v1/vendors", Tag: tag,
		Summary:     "List vendors",
		Description: "Lists outsourcing contractors (外部委託事業者), oldest first. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Status                      domain.VendorStatus `query:"status" enum:"candidate,approved,suspended,terminated" doc:"Only vendors in this status."`
		OwnerID                     string              `query:"owner_id" format:"uuid" doc:"Only vendors this person is in charge of."`
		RiskTier                    domain.RiskTier     `query:"risk_tier" enum:"high,medium,low,unassessed" doc:"Only vendors of this risk tier."`
		Q                           string              `query:"q" maxLength:"200" doc:"Part of the name or kana; width, hiragana/katakana and case do not matter."`
		CertificationExpiringBefore string              `query:"certification_expiring_before" format:"date" doc:"Only vendors with a certification valid until before this date (YYYY-MM-DD)."`
	}) (*ListOutput[*domain.Vendor], error) {
		var dp dateParams
		f := domain.VendorFilter{Status: in.Status, OwnerID: in.OwnerID, RiskTier: in.RiskTier, Q: in.Q,
			CertificationExpiringBefore: dp.parse("certification_expiring_before", in.CertificationExpiringBefore)}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return s.Vendors.ListVendors(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-vendor", Method: http.MethodGet, Path: "/v1/vendors/{id}", Tag: tag,
		Summary: "Get a vendor", Description: "Returns one vendor with its certifications (expired ones marked) and selection record.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*VendorOutput, error) {
		v, err := s.Vendors.FindVendor(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return vendorOutput(v), nil
	})

	huma.Register(s.api, operation{
		ID: "create-vendor", Method: http.MethodPost, Path: "/v1/vendors", Tag: tag,
		Summary: "Register a vendor",
		Description: "Registers a contractor as a candidate. The corporate number (法人番号) may be typed in full-width digits and is " +
			"stored in ASCII; it must have a correct check digit (422 otherwise) and be unregistered (409). risk_tier is derived from contracts and cannot be written. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.VendorInput
	}) (*VendorOutput, error) {
		v, err := s.Vendors.CreateVendor(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return vendorOutput(v), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-vendor", Method: http.MethodPut, Path: "/v1/vendors/{id}", Tag: tag,
		Summary:     "Replace a vendor",
		Description: "Replaces the vendor's fields and certifications; status, selection and risk tier change only through their own operations. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.VendorInput
	}) (*VendorOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		out, err := s.Vendors.ReplaceVendor(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return vendorOutput(out), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-vendor", Method: http.MethodDelete, Path: "/v1/vendors/{id}", Tag: tag,
		Summary:     "Delete a vendor",
		Description: "Deletes a vendor registered by mistake. Refused with 409 once it has contracts; terminate it instead. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.Vendors.DeleteVendor(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})

	huma.Register(s.api, operation{
		ID: "record-vendor-selection", Method: http.MethodPut, Path: "/v1/vendors/{id}/selection", Tag: tag,
		Summary: "Record how the vendor was selected",
		Description: "Stores the selection record (委託事業者の選定): who selected, when, and an answer (met, not_met, not_applicable) " +
			"per selection criterion. It may be saved incomplete; approval checks it. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.SelectionRecord
	}) (*VendorOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		out, err := s.Vendors.RecordSelection(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return vendorOutput(out), nil
	})

	statusChange := func(id, path, summary, description string, to domain.VendorStatus, withReason bool) {
		// Approval and reinstatement both move to approved; only the
		// reinstatement carries a reason.
		op := operation{
			ID: id, Method: http.MethodPost, Path: "/v1/vendors/{id}/" + path, Tag: tag,
			Summary: summary, Description: description + " Needs the editor or admin role.",
			Permission: domain.PermWrite, Errors: errsWrite,
		}.huma()
		if withReason {
			huma.Register(s.api, op, func(ctx context.Context, in *struct {
				IDParam
				IfMatchParam
				Body ReasonBody
			}) (*VendorOutput, error) {
				v, err := in.version()
				if err != nil {
					return nil, err
				}
				out, err := s.Vendors.ChangeVendorStatus(ctx, in.ID, v, to, in.Body.Reason)
				if err != nil {
					return nil, s.problem(ctx, "body", err)
				}
				return vendorOutput(out), nil
			})
			return
		}
		huma.Register(s.api, op, func(ctx context.Context, in *struct {
			IDParam
			IfMatchParam
		}) (*VendorOutput, error) {
			v, err := in.version()
			if err != nil {
				return nil, err
			}
			out, err := s.Vendors.ChangeVendorStatus(ctx, in.ID, v, to, "")
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			return vendorOutput(out), nil
		})
	}
	statusChange("approve-vendor", "approve", "Approve a vendor",
		"Approves a candidate once its selection record answers every active criterion and every not_met carries a written "+
			"justification; otherwise 422 naming the criteria. Separation of duties (職務の分離): the caller's person must hold a "+
			"security role (manager, supervisor or ciso) and must not be the person who recorded the selection (403 otherwise); "+
			"approved_by records who approved. A suspended vendor is approved again here only after a new selection was recorded "+
			"since the suspension (422 naming reason otherwise); without one, use reinstate-vendor with a reason. 409 from any "+
			"other status.", domain.VendorApproved, false)
	statusChange("reinstate-vendor", "reinstate", "Reinstate a suspended vendor",
		"Returns a suspended vendor to approved with an explicit reason, recorded on the vendor and in the audit trail, when no "+
			"new selection record was made. The approval's rules apply: a complete selection record, and a caller whose person "+
			"holds a security role and did not record the selection (403). 409 unless suspended.", domain.VendorApproved, true)
	statusChange("suspend-vendor", "suspend", "Suspend a vendor",
		"Suspends an approved vendor, with a reason; it may be approved again later. 409 from any other status.", domain.VendorSuspended, true)
	statusChange("terminate-vendor", "terminate", "Terminate a vendor",
		"Ends the relationship with a vendor, with a reason. 409 while it has active contracts or when already terminated.", domain.VendorTerminated, true)
}
