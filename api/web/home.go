package web

import "github.com/go-chi/chi/v5"

// homeRoutes registers this area's pages; none yet.
func (h *Handler) homeRoutes(chi.Router) {}
