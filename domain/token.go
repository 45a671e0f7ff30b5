package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// TokenPrefix starts every secret so that a leaked one is recognisable by
// secret scanners and by people.
const TokenPrefix = "vw_"

// Token is an API credential of one person with one role. Its secret is shown
// once, when it is created; only its SHA-256 is stored.
type Token struct {
	ID          string     `json:"id" doc:"UUIDv7 of the token."`
	PersonID    string     `json:"person_id" doc:"The person the token belongs to."`
	Role        Role       `json:"role" enum:"admin,editor,viewer,auditor" doc:"What the token may do."`
	Description string     `json:"description,omitempty" doc:"What the token is for."`
	Hint        string     `json:"hint" pattern:"^vw_[A-Za-z0-9_-]{0,4}$" doc:"The first characters of the secret, to tell tokens apart."`
	CreatedBy   *string    `json:"created_by,omitempty" format:"uuid" doc:"Person who created the token; absent for the first-start token."`
	CreatedAt   time.Time  `json:"created_at" doc:"When the token was created (RFC 3339, UTC)."`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty" doc:"When the token last authenticated a request, to the minute."`
	RevokedAt   *time.Time `json:"revoked_at,omitempty" doc:"When the token was revoked; a revoked token authenticates nothing."`
	Version     int        `json:"version" doc:"Increases with every change; sent back in If-Match."`
}

// TokenInput is what an admin writes to create a token.
type TokenInput struct {
	PersonID    string `json:"person_id" format:"uuid" doc:"The person the token belongs to." validate:"required,uuid"`
	Role        Role   `json:"role" enum:"admin,editor,viewer,auditor" doc:"What the token may do." validate:"required,oneof=admin editor viewer auditor"`
	Description string `json:"description,omitempty" maxLength:"200" doc:"What the token is for." example:"契約担当 REST クライアント" validate:"max=200"`
}

// NewTokenSecret returns a fresh random secret (256 bits) with TokenPrefix.
func NewTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashTokenSecret returns the hex SHA-256 under which a secret is stored.
func HashTokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// TokenHint returns the part of a secret that may be shown again.
func TokenHint(secret string) string {
	if len(secret) <= len(TokenPrefix)+4 {
		return secret
	}
	return secret[:len(TokenPrefix)+4]
}

// TokenFilter narrows ListTokens; zero values do not filter.
type TokenFilter struct {
	PersonID string
	// Revoked selects revoked (true) or usable (false) tokens.
	Revoked *bool
}

// TokenService manages API tokens and authenticates requests.
type TokenService interface {
	// Authenticate returns the actor a secret stands for. EUNAUTHORIZED for an
	// unknown or revoked token, or one whose person is inactive.
	Authenticate(ctx context.Context, secret string) (Actor, error)
	// CreateToken creates a token and returns it with its secret, which is not
	// stored and cannot be shown again. EINVALID for bad input or an unknown
	// person.
	CreateToken(ctx context.Context, in TokenInput) (*Token, string, error)
	// FindToken returns one token. ENOTFOUND if there is none.
	FindToken(ctx context.Context, id string) (*Token, error)
	// ListTokens returns a page of tokens ordered by creation, without secrets.
	ListTokens(ctx context.Context, f TokenFilter, p PageRequest) (Page[*Token], error)
	// RevokeToken revokes a token for good. ENOTFOUND, ESTALE, ECONFLICT when
	// it is already revoked.
	RevokeToken(ctx context.Context, id string, ifVersion *int) (*Token, error)
}
