package web

import "github.com/go-chi/chi/v5"

// vendorRoutes registers this area's pages; none yet.
func (h *Handler) vendorRoutes(chi.Router) {}
