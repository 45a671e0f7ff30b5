package web

import "net/http"

// OIDC signs people in through an OpenID Connect provider (authorization
// code with PKCE); the provider's verified e-mail maps to an active person.
type OIDC struct{}

func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "error.not_found")
}

func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "error.not_found")
}
