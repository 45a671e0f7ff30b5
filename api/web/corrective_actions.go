package web

import "github.com/go-chi/chi/v5"

// correctiveActionRoutes registers this area's pages; none yet.
func (h *Handler) correctiveActionRoutes(chi.Router) {}
