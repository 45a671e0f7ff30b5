package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// homeRoutes registers the home page, 私の対応事項 (my work).
func (h *Handler) homeRoutes(r chi.Router) {
	r.Get("/", h.home)
}

// homeData is what the home page shows: the signed-in person's work and
// its counts.
type homeData struct {
	Work    *domain.Work
	Summary domain.WorkSummary
}

// home shows everything due, overdue or waiting for the signed-in person,
// overdue first (domain.SortWork), in one service call.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	work, err := h.cfg.Work.MyWork(r.Context(), h.today())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "home.html", homeData{Work: work, Summary: work.Summary()})
}
