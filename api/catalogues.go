package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// CatalogueItemOutput is one catalogue item with its ETag.
type CatalogueItemOutput struct {
	ETag string `header:"ETag" doc:"The item's version as a strong ETag; send it back in If-Match."`
	Body *domain.CatalogueItem
}

// CatalogueListOutput is a whole catalogue; catalogues are short, so they
// come in one page.
type CatalogueListOutput struct {
	Body struct {
		Items []*domain.CatalogueItem `json:"items" doc:"The items in display order."`
	}
}

// CodeParam addresses a catalogue item by its code.
type CodeParam struct {
	Code string `path:"code" maxLength:"80" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"Code of the item." example:"confidentiality"`
}

// registerCatalogue registers the operations of one catalogue under path,
// with operation IDs built from the singular and plural names.
func (s *Server) registerCatalogue(c domain.Catalogue, path, tag, singular, plural, what string) {
	itemPath := path + "/{code}"
	huma.Register(s.api, operation{
		ID: "list-" + plural, Method: http.MethodGet, Path: path, Tag: tag,
		Summary:     "List " + what,
		Description: "Lists the " + what + " in display order; retired items only with include_retired=true. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		IncludeRetired bool `query:"include_retired" doc:"Also list retired items."`
		ExportParams
	}) (*CatalogueListOutput, error) {
		items, err := s.Catalogues.ListCatalogueItems(ctx, c, in.IncludeRetired)
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		if done, err := exportAll(ctx, s, in.ExportParams, items); done {
			return &CatalogueListOutput{}, err
		}
		out := &CatalogueListOutput{}
		out.Body.Items = items
		return out, nil
	})

	huma.Register(s.api, operation{
		ID: "get-" + singular, Method: http.MethodGet, Path: itemPath, Tag: tag,
		Summary: "Get one of the " + what, Description: "Returns one item by its code.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *CodeParam) (*CatalogueItemOutput, error) {
		item, err := s.Catalogues.FindCatalogueItem(ctx, c, in.Code)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &CatalogueItemOutput{ETag: etag(item.Version), Body: item}, nil
	})

	huma.Register(s.api, operation{
		ID: "create-" + singular, Method: http.MethodPost, Path: path, Tag: tag,
		Summary:     "Add to the " + what,
		Description: "Adds an item at the end of the catalogue. Its code is permanent; 409 when the code is in use. Admin only.",
		Permission:  domain.PermAdmin, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.CatalogueItemInput
	}) (*CatalogueItemOutput, error) {
		item, err := s.Catalogues.CreateCatalogueItem(ctx, c, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &CatalogueItemOutput{ETag: etag(item.Version), Body: item}, nil
	})

	huma.Register(s.api, operation{
		ID: "retitle-" + singular, Method: http.MethodPut, Path: itemPath, Tag: tag,
		Summary:     "Change the titles of one of the " + what,
		Description: "Changes the Japanese and English titles; the code never changes. Existing records keep what they recorded. Admin only.",
		Permission:  domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		CodeParam
		IfMatchParam
		Body domain.CatalogueTitles
	}) (*CatalogueItemOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		item, err := s.Catalogues.RetitleCatalogueItem(ctx, c, in.Code, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &CatalogueItemOutput{ETag: etag(item.Version), Body: item}, nil
	})

	huma.Register(s.api, operation{
		ID: "retire-" + singular, Method: http.MethodPost, Path: itemPath + "/retire", Tag: tag,
		Summary:     "Retire one of the " + what,
		Description: "Retires an item: it is no longer required or offered, but records that have it keep it. 409 when already retired. Admin only.",
		Permission:  domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		CodeParam
		IfMatchParam
	}) (*CatalogueItemOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		item, err := s.Catalogues.RetireCatalogueItem(ctx, c, in.Code, v)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &CatalogueItemOutput{ETag: etag(item.Version), Body: item}, nil
	})
}

func (s *Server) registerCatalogues() {
	s.registerCatalogue(domain.CatalogueClauses, "/v1/clauses", "Clauses", "clause", "clauses",
		"contract security clauses (契約に記載すべき情報セキュリティ要件)")
	s.registerCatalogue(domain.CatalogueSelectionCriteria, "/v1/selection-criteria", "Selection criteria", "selection-criterion", "selection-criteria",
		"vendor selection criteria (委託事業者の選定基準)")
	s.registerCatalogue(domain.CatalogueTermsChecks, "/v1/terms-checks", "Terms checks", "terms-check", "terms-checks",
		"terms-of-service risk checklist items (約款による外部サービスの確認事項)")
	s.registerCatalogue(domain.CatalogueInspectionChecklist, "/v1/inspection-checklist", "Inspection checklist", "inspection-checklist-item", "inspection-checklist-items",
		"self-inspection checklist items (自己点検項目)")
}
