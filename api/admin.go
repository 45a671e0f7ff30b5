package api

import (
	"net/http"

	"github.com/vendorwatch/vendorwatch/domain"
)

// RiverUIPrefix is where River's web UI is mounted.
const RiverUIPrefix = "/admin/river"

// requireAdmin guards a plain HTTP handler (River's UI) with an admin token,
// sent as a bearer token or, for a browser, as the password of HTTP basic
// authentication (any user name).
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := presentedSecret(r)
		if secret == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="vendorwatch admin", charset="UTF-8"`)
			writeProblem(w, http.StatusUnauthorized, "sign in with an admin token as the password")
			return
		}
		actor, err := s.Tokens.Authenticate(r.Context(), secret)
		if err != nil {
			if domain.ErrorCodeOf(err) != domain.EUNAUTHORIZED {
				status, headers, msg := problemParts(s.problem(r.Context(), "header", err))
				if status != http.StatusServiceUnavailable {
					msg = "internal error; the server log has the details"
				}
				for k, vs := range headers {
					w.Header()[k] = vs
				}
				writeProblem(w, status, msg)
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="vendorwatch admin", charset="UTF-8"`)
			writeProblem(w, http.StatusUnauthorized, domain.ErrorMessageOf(err))
			return
		}
		markAuthenticated(r.Context())
		if !actor.Role.Allows(domain.PermAdmin) {
			writeProblem(w, http.StatusForbidden, "River's UI is for admin tokens only")
			return
		}
		next.ServeHTTP(w, r.WithContext(domain.WithActor(r.Context(), actor)))
	})
}
