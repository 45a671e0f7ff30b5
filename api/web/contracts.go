package web

import "github.com/go-chi/chi/v5"

// contractRoutes registers this area's pages; none yet.
func (h *Handler) contractRoutes(chi.Router) {}
