package web

import "github.com/go-chi/chi/v5"

// confirmationRoutes registers this area's pages; none yet.
func (h *Handler) confirmationRoutes(chi.Router) {}
