package web

import "github.com/go-chi/chi/v5"

// adminRoutes registers this area's pages; none yet.
func (h *Handler) adminRoutes(chi.Router) {}
