package web

import "github.com/go-chi/chi/v5"

// ledgerRoutes registers this area's pages; none yet.
func (h *Handler) ledgerRoutes(chi.Router) {}
