package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// SocialAccountOutput is one account with its ETag.
type SocialAccountOutput struct {
	ETag string `header:"ETag" doc:"The account's version as a strong ETag; send it back in If-Match."`
	Body *domain.SocialAccount
}

func socialAccountOutput(a *domain.SocialAccount) *SocialAccountOutput {
	return &SocialAccountOutput{ETag: etag(a.Version), Body: a}
}

// PostCheckOutput is the answer to a post check.
type PostCheckOutput struct {
	Body *domain.PostCheckResult
}

func (s *Server) registerSocialAccounts() {
	const tag = "Social-media accounts"
	huma.Register(s.api, operation{
		ID: "list-social-accounts", Method: http.MethodGet, Path: "/v1/social-accounts", Tag: tag,
		Summary:     "List social-media accounts",
		Description: "Lists the body's official social-media accounts (ソーシャルメディアサービス), oldest first. fiscal_year selects the accounts whose next review falls in that fiscal year (年度). Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Platform            domain.Platform            `query:"platform" enum:"x,facebook,instagram,line,youtube,tiktok,other" doc:"Only accounts on this platform."`
		Status              domain.SocialAccountStatus `query:"status" enum:"active,suspended,retired" doc:"Only accounts in this status."`
		ResponsiblePersonID string                     `query:"responsible_person_id" format:"uuid" doc:"Only accounts this person is responsible for."`
		ReviewDueBefore     string                     `query:"review_due_before" format:"date" doc:"Only accounts whose next review is due before this date."`
		Q                   string                     `query:"q" maxLength:"200" doc:"Part of the handle or purpose; width, hiragana/katakana and case do not matter."`
		FiscalYear          int                        `query:"fiscal_year" minimum:"1900" maximum:"2998" doc:"Only accounts whose next_review_due is in this fiscal year (年度, April to March): 2026 is 2026-04-01 to 2027-03-31, both included."`
	}) (*ListOutput[*domain.SocialAccount], error) {
		var dp dateParams
		f := domain.SocialAccountFilter{Platform: in.Platform, Status: in.Status, ResponsiblePersonID: in.ResponsiblePersonID, Q: in.Q, FiscalYear: in.FiscalYear,
			ReviewDueBefore: dp.parse("review_due_before", in.ReviewDueBefore)}
		if err := dp.err(); err != nil {
			return nil, err
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return s.SocialAccounts.ListSocialAccounts(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-social-account", Method: http.MethodGet, Path: "/v1/social-accounts/{id}", Tag: tag,
		Summary: "Get a social-media account", Description: "Returns one account with its rules and measures.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*SocialAccountOutput, error) {
		a, err := s.SocialAccounts.FindSocialAccount(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return socialAccountOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "create-social-account", Method: http.MethodPost, Path: "/v1/social-accounts", Tag: tag,
		Summary: "Register a social-media account",
		Description: "Registers an active account with exactly one responsible person (required). The account is active at once, so " +
			"it needs its operating procedure (運用手順): operating_procedure.document_ref and operating_procedure.approved_on (not " +
			"after today) are required, 422 naming each missing one. The profile URL is checked against the platform and handle and " +
			"normalised; platform and handle are unique (409). An account carrying availability-2 information must name the " +
			"official website page that mirrors its posts. publishing_rules.public_contacts lists the body's own public phone " +
			"numbers, e-mail addresses and postal addresses (at most 20, 20 and 10); each must be one (422 naming the entry). " +
			"Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.SocialAccountInput
	}) (*SocialAccountOutput, error) {
		a, err := s.SocialAccounts.CreateSocialAccount(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return socialAccountOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-social-account", Method: http.MethodPut, Path: "/v1/social-accounts/{id}", Tag: tag,
		Summary: "Replace a social-media account",
		Description: "Replaces the fields. responsible_person_id must stay the same (422 otherwise): hand the account over with " +
			"change-social-account-responsible-person. An active account must keep its operating procedure (document_ref and " +
			"approved_on, 422 naming each missing one): an account registered before the rule, shown with " +
			"operating_procedure_missing: true, stays active but gets one with its next replace. A suspended account may be " +
			"replaced without one. 409 once retired. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.SocialAccountInput
	}) (*SocialAccountOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.SocialAccounts.ReplaceSocialAccount(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return socialAccountOutput(a), nil
	})

	huma.Register(s.api, operation{
		ID: "change-social-account-responsible-person", Method: http.MethodPut, Path: "/v1/social-accounts/{id}/responsible-person", Tag: tag,
		Summary: "Hand an account to another responsible person",
		Description: "Replaces the one responsible person (責任者) of the account; the audit event names both people. The new " +
			"person must exist and be active. 409 once retired. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.ResponsiblePersonChange
	}) (*SocialAccountOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		a, err := s.SocialAccounts.ChangeResponsiblePerson(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return socialAccountOutput(a), nil
	})

	for _, st := range []struct {
		id, path, summary, description string
		to                             domain.SocialAccountStatus
	}{
		{"suspend-social-account", "suspend", "Suspend a social-media account", "Suspends an active account, with a reason; its history is kept.", domain.SocialSuspended},
		{"reactivate-social-account", "reactivate", "Reactivate a social-media account", "Makes a suspended account active again, with a reason. " +
			"An account becomes active only with its operating procedure (運用手順): without operating_procedure.document_ref and " +
			"approved_on it is a 422 naming each missing field; record them with replace-social-account first.", domain.SocialActive},
		{"retire-social-account", "retire", "Retire a social-media account", "Retires an account for good, with a reason; its history is kept.", domain.SocialRetired},
	} {
		huma.Register(s.api, operation{
			ID: st.id, Method: http.MethodPost, Path: "/v1/social-accounts/{id}/" + st.path, Tag: tag,
			Summary: st.summary, Description: st.description + " 409 for a move the status does not allow. Needs the editor or admin role.",
			Permission: domain.PermWrite, Errors: errsWrite,
		}.huma(), func(ctx context.Context, in *struct {
			IDParam
			IfMatchParam
			Body ReasonBody
		}) (*SocialAccountOutput, error) {
			v, err := in.version()
			if err != nil {
				return nil, err
			}
			a, err := s.SocialAccounts.ChangeSocialAccountStatus(ctx, in.ID, v, st.to, in.Body.Reason)
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			return socialAccountOutput(a), nil
		})
	}

	huma.Register(s.api, operation{
		ID: "check-social-post", Method: http.MethodPost, Path: "/v1/social-accounts/{id}/post-checks", Tag: tag,
		Summary: "Check a draft post",
		Description: "Answers whether a draft may be published on this account, with every finding: a category the account does " +
			"not allow, a prohibited term, an e-mail address, a Japanese phone number, an individual number (マイナンバー) with a " +
			"valid check digit, or a postal code followed by an address. Full-width digits and letters are recognised. A phone " +
			"number, e-mail address or postal address on the account's publishing_rules.public_contacts is not a finding: phones " +
			"compare by their digits (width, hyphen styles, brackets, spaces and +81 ignored), e-mails regardless of case and " +
			"width, postal addresses when the post gives the whole listed address; every other contact is. The draft " +
			"is not stored; only an audit event records the check. 409 unless the account is active. Any writing role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		Body domain.PostCheckInput
	}) (*PostCheckOutput, error) {
		r, err := s.SocialAccounts.CheckPost(ctx, in.ID, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &PostCheckOutput{Body: r}, nil
	})
}
