package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// SignInLinkTTL is how long an e-mailed sign-in link works: long enough to
// reach a mailbox on a slow internal relay, short enough that a forwarded or
// archived message is useless soon after.
const SignInLinkTTL = 15 * time.Minute

// MaxLiveSignInLinks is how many unused, unexpired sign-in links a person
// may have; asking for more sends nothing, so nobody can fill a colleague's
// mailbox from the sign-in page.
const MaxLiveSignInLinks = 5

// SignInPrefix and SessionPrefix start the secrets of sign-in links and of
// page sessions, so that a leaked one is recognisable and never mistaken for
// an API token.
const (
	SignInPrefix  = "vws_"
	SessionPrefix = "vwp_"
)

// WebSession is one signed-in browser of a person. Only the SHA-256 of its
// secret (the cookie's value) is stored.
type WebSession struct {
	ID         string
	PersonID   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// Method is how the person signed in: "email_link" or "oidc".
	Method string
}

// Ways to sign in to the pages (WebSession.Method).
const (
	SignInEmailLink = "email_link"
	SignInOIDC      = "oidc"
)

// SessionLimits are the timeouts of page sessions, from the settings.
type SessionLimits struct {
	// Idle ends a session not used for this long.
	Idle time.Duration
	// Absolute ends a session this long after sign-in, however busy.
	Absolute time.Duration
}

// SessionLimitsOf reads the session timeouts of the settings.
func SessionLimitsOf(p PolicySettings) SessionLimits {
	p.Normalize()
	return SessionLimits{Idle: time.Duration(p.SessionIdleMinutes) * time.Minute, Absolute: time.Duration(p.SessionAbsoluteHours) * time.Hour}
}

// SessionEnded reports why a session is over at now, or "" while it lasts:
// "idle" after Idle without use, "expired" past Absolute since sign-in.
func (l SessionLimits) SessionEnded(s WebSession, now time.Time) string {
	switch {
	case now.Sub(s.CreatedAt) >= l.Absolute:
		return "expired"
	case now.Sub(s.LastSeenAt) >= l.Idle:
		return "idle"
	}
	return ""
}

// BestRole is the most powerful of roles in the order of Roles (admin,
// editor, auditor, viewer), or RoleViewer when there is none: a person's
// role on the pages when no admin set one.
func BestRole(roles []Role) Role {
	for _, want := range Roles {
		for _, r := range roles {
			if r == want {
				return want
			}
		}
	}
	return RoleViewer
}

// HashSessionSecret returns the hex SHA-256 under which a sign-in or session
// secret is stored.
func HashSessionSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SessionService signs people in to the staff pages and keeps their
// sessions. Every page request resolves its session to an Actor through it,
// so the pages apply the same roles and security-role rules as the API.
type SessionService interface {
	// RequestSignInLink makes a one-time sign-in secret for the active
	// person with this e-mail address (any case). It returns a nil person and
	// no error when no active person has the address, so that the caller can
	// answer a known and an unknown address alike.
	RequestSignInLink(ctx context.Context, email string) (*Person, string, error)
	// RedeemSignInLink uses up a sign-in secret and opens a session,
	// returning the session's secret. EUNAUTHORIZED when the secret is
	// unknown, used, expired, or its person inactive.
	RedeemSignInLink(ctx context.Context, secret string) (string, *Person, error)
	// OpenSessionForEmail opens a session for the active person with this
	// verified e-mail address (OpenID Connect). EUNAUTHORIZED when none.
	OpenSessionForEmail(ctx context.Context, email, method string) (string, *Person, error)
	// SessionActor resolves a session secret to the actor of a page request:
	// the person, with their page role (PersonWebRole). EUNAUTHORIZED when the
	// session is unknown, ended, idle or expired (SessionLimits), or its
	// person inactive. It records the use.
	SessionActor(ctx context.Context, secret string) (Actor, error)
	// EndSession signs one browser out; an unknown secret is not an error.
	EndSession(ctx context.Context, secret string) error
	// EndAllSessions signs a person out everywhere and returns how many
	// sessions ended. Only the person or an admin may; EFORBIDDEN otherwise.
	EndAllSessions(ctx context.Context, personID string) (int, error)
	// PersonWebRole returns a person's role on the pages: the one an admin
	// set, else the role of their best unrevoked token (BestRole), and
	// whether an admin set it.
	PersonWebRole(ctx context.Context, personID string) (Role, bool, error)
	// SetWebRole sets (or, with nil, clears) the role a person has on the
	// pages. Admins only (EFORBIDDEN); ENOTFOUND for an unknown person.
	// Audited.
	SetWebRole(ctx context.Context, personID string, role *Role) error
}
