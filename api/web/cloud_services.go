package web

import "github.com/go-chi/chi/v5"

// cloudServiceRoutes registers this area's pages; none yet.
func (h *Handler) cloudServiceRoutes(chi.Router) {}
