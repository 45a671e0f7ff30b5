package web

import "github.com/go-chi/chi/v5"

// reviewRoutes registers this area's pages; none yet.
func (h *Handler) reviewRoutes(chi.Router) {}
