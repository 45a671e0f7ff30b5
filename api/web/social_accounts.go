package web

import "github.com/go-chi/chi/v5"

// socialAccountRoutes registers this area's pages; none yet.
func (h *Handler) socialAccountRoutes(chi.Router) {}
