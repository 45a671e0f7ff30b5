package web

import "github.com/go-chi/chi/v5"

// The routes of each area of the pages. Each area lives in its own file;
// until it is written its function registers nothing.

func (h *Handler) homeRoutes(chi.Router)             {}
func (h *Handler) vendorRoutes(chi.Router)           {}
func (h *Handler) contractRoutes(chi.Router)         {}
func (h *Handler) confirmationRoutes(chi.Router)     {}
func (h *Handler) correctiveActionRoutes(chi.Router) {}
func (h *Handler) cloudServiceRoutes(chi.Router)     {}
func (h *Handler) socialAccountRoutes(chi.Router)    {}
func (h *Handler) reviewRoutes(chi.Router)           {}
func (h *Handler) ledgerRoutes(chi.Router)           {}
func (h *Handler) adminRoutes(chi.Router)            {}
