package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
)

// sessionCookie holds the session's secret; only its hash is stored.
const sessionCookie = "vw_session"

// maxMailsInFlight bounds the sign-in e-mails sent at once, so a flood of
// sign-in requests cannot open unbounded connections to the mail server.
const maxMailsInFlight = 8

// signInMailTimeout bounds one sign-in e-mail's send.
const signInMailTimeout = 2 * time.Minute

// requestState is what the session middleware learnt about a request.
type requestState struct {
	secret string
	actor  domain.Actor
	me     *domain.Person
	csrf   string
	era    bool
	// ended says why a session cookie no longer signs in ("" when there
	// was none or it is valid), for the sign-in page's notice.
	ended bool
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	if s, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return s
	}
	return &requestState{}
}

// signedIn reports whether the request has a valid session.
func signedIn(r *http.Request) bool { return stateOf(r).me != nil }

// csrfToken is the token a session's forms carry: derived from the
// session's secret, which another site cannot read, so a cross-site form
// cannot know it; nothing extra is stored.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("vendorwatch csrf"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// session resolves the session cookie to the actor of the request, and
// puts it in the context for every service call the page makes.
func (h *Handler) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && !strings.HasPrefix(r.URL.Path, api.StaticPrefix) {
			actor, err := h.cfg.Sessions.SessionActor(ctx, c.Value)
			switch domain.ErrorCodeOf(err) {
			case "":
				me, err := h.cfg.People.FindPerson(domain.WithActor(ctx, actor), actor.PersonID)
				if err != nil {
					h.fail(w, r.WithContext(ctx), err)
					return
				}
				st.secret, st.actor, st.me, st.csrf = c.Value, actor, me, csrfToken(c.Value)
				ctx = domain.WithActor(ctx, actor)
				api.NoteActor(ctx, actor)
				if s, err := h.cfg.Settings.GetSettings(ctx); err == nil {
					st.era = s.JapaneseEraDates
				}
			case domain.EUNAUTHORIZED:
				st.ended = true
				h.clearCookie(w)
			default:
				h.fail(w, r.WithContext(ctx), err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireSignIn sends a browser without a session to the sign-in page,
// which brings it back here afterwards.
func (h *Handler) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.renderError(w, r, http.StatusUnauthorized, "error.unauthorized")
			return
		}
		q := url.Values{"next": {r.URL.RequestURI()}}
		if stateOf(r).ended {
			q.Set("ended", "1")
		}
		http.Redirect(w, r, "/sign-in?"+q.Encode(), http.StatusSeeOther)
	})
}

// checkCSRF refuses a state-changing request whose form does not carry the
// session's CSRF token; nothing is written.
func (h *Handler) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if isEvidenceUpload(r) {
			// A file's form streams: its handler checks the token, the
			// form's first field, before it reads anything else.
			next.ServeHTTP(w, r)
			return
		}
		if err := parseForm(w, r); err != nil {
			h.renderError(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		want := stateOf(r).csrf
		if want == "" || !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(want)) {
			h.renderError(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a form's body.
const maxFormBytes = 1 << 20

// parseForm reads a bounded form body once.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

func (h *Handler) setCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// localNext keeps a "next" target only when it is a path on this site, so
// a sign-in link cannot send the browser elsewhere.
func localNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") || strings.HasPrefix(next, "/sign-") {
		return "/"
	}
	return next
}

// localeOf is the page language: the person's locale, else the browser's
// first choice of ja or en, else Japanese.
func localeOf(r *http.Request) domain.Locale {
	if me := stateOf(r).me; me != nil && me.Locale != "" {
		return me.Locale
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return domain.LocaleJa
		case strings.HasPrefix(tag, "en"):
			return domain.LocaleEn
		}
	}
	return domain.LocaleJa
}

// signInData is what the sign-in pages show.
type signInData struct {
	Next     string
	Ended    bool
	Email    bool // e-mail sign-in is on
	OIDC     bool // OpenID Connect sign-in is on
	Secret   string
	OIDCFail string
}

func (h *Handler) signInRoutes(r chi.Router) {
	r.Get("/sign-in", h.signInForm)
	r.Post("/sign-in", h.requestLink)
	r.Get("/sign-in/link", h.linkForm)
	r.Post("/sign-in/link", h.redeemLink)
	r.Post("/sign-out", h.signOut)
	if h.cfg.OIDC != nil {
		r.Get("/sign-in/oidc", h.oidcStart)
		r.Get("/sign-in/oidc/callback", h.oidcCallback)
	}
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	next := localNext(r.URL.Query().Get("next"))
	if signedIn(r) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.page(w, r, "sign_in.html", signInData{Next: next, Ended: r.URL.Query().Get("ended") == "1",
		Email: h.cfg.Mailer != nil, OIDC: h.cfg.OIDC != nil})
}

// requestLink answers every address alike, known or not, and sends the
// link in the background so the answer takes as long either way.
func (h *Handler) requestLink(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Mailer == nil {
		h.renderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := parseForm(w, r); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	next := localNext(r.PostForm.Get("next"))
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
		form := &Form{Values: r.PostForm, Errors: map[string]string{"email": translate(localeOf(r), "signin.email_invalid")}}
		h.render(w, r, http.StatusUnprocessableEntity, &Page{Name: "sign_in.html", Form: form,
			Data: signInData{Next: next, Email: true, OIDC: h.cfg.OIDC != nil}})
		return
	}
	person, secret, err := h.cfg.Sessions.RequestSignInLink(r.Context(), email)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if person != nil && secret != "" {
		link := strings.TrimRight(h.cfg.PublicURL, "/") + "/sign-in/link?" + url.Values{"t": {secret}, "next": {next}}.Encode()
		h.sendLink(r.Context(), person, link)
	}
	h.page(w, r, "sign_in_sent.html", signInData{Next: next})
}

// sendLink sends the e-mail off the request, bounded in number and time;
// a failure is logged, never shown (it would tell the address is known).
func (h *Handler) sendLink(ctx context.Context, p *domain.Person, link string) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signInMailTimeout)
		defer cancel()
		select {
		case h.mailing <- struct{}{}:
			defer func() { <-h.mailing }()
		case <-ctx.Done():
			h.log.Warn("sign-in e-mail not sent: too many in flight", "person_id", p.ID)
			return
		}
		if err := h.cfg.Mailer.SendSignInLink(ctx, p, link); err != nil {
			h.log.Warn("sign-in e-mail not sent", "person_id", p.ID, "error", err.Error())
		}
	}()
}

// linkForm shows a button that signs in: the link itself only reads, so a
// mail scanner that opens it does not use it up.
func (h *Handler) linkForm(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, "sign_in_link.html", signInData{Secret: r.URL.Query().Get("t"), Next: localNext(r.URL.Query().Get("next"))})
}

func (h *Handler) redeemLink(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	secret, _, err := h.cfg.Sessions.RedeemSignInLink(r.Context(), r.PostForm.Get("t"))
	if domain.ErrorCodeOf(err) == domain.EUNAUTHORIZED {
		h.render(w, r, http.StatusUnauthorized, &Page{Name: "sign_in.html", Flash: translate(localeOf(r), "signin.link_invalid"),
			Data: signInData{Next: localNext(r.PostForm.Get("next")), Email: h.cfg.Mailer != nil, OIDC: h.cfg.OIDC != nil}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.signedInAs(w, r, secret, r.PostForm.Get("next"))
}

// signedInAs ends the browser's previous session, sets the new one and
// goes on to next.
func (h *Handler) signedInAs(w http.ResponseWriter, r *http.Request, secret, next string) {
	if old := stateOf(r).secret; old != "" {
		_ = h.cfg.Sessions.EndSession(r.Context(), old)
	}
	h.setCookie(w, secret)
	http.Redirect(w, r, localNext(next), http.StatusSeeOther)
}

// signOut ends this browser's session, or with everywhere=1 every session
// of the person.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.secret == "" {
		h.clearCookie(w)
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	if err := parseForm(w, r); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(st.csrf)) {
		h.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	var err error
	if r.PostForm.Get("everywhere") == "1" {
		_, err = h.cfg.Sessions.EndAllSessions(r.Context(), st.actor.PersonID)
	} else {
		err = h.cfg.Sessions.EndSession(r.Context(), st.secret)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.clearCookie(w)
	http.Redirect(w, r, "/sign-in?done=signed_out", http.StatusSeeOther)
}
