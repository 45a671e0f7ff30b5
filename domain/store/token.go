package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.TokenService = (*DB)(nil)

type tokenRow struct {
	bun.BaseModel `bun:"table:tokens"`

	ID          string     `bun:"id,pk"`
	PersonID    string     `bun:"person_id"`
	Role        string     `bun:"role"`
	Description string     `bun:"description"`
	SecretHash  string     `bun:"secret_hash"`
	Hint        string     `bun:"hint"`
	CreatedBy   *string    `bun:"created_by"`
	CreatedAt   time.Time  `bun:"created_at"`
	LastUsedAt  *time.Time `bun:"last_used_at"`
	RevokedAt   *time.Time `bun:"revoked_at"`
	Version     int        `bun:"version"`
}

func (r *tokenRow) toDomain() *domain.Token {
	return &domain.Token{
		ID: r.ID, PersonID: r.PersonID, Role: domain.Role(r.Role), Description: r.Description, Hint: r.Hint,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt),
		RevokedAt: utcPtr(r.RevokedAt), Version: r.Version,
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const entityToken = "token"

// lastUsedResolution bounds how often authentication writes last_used_at.
const lastUsedResolution = time.Minute

// tokenCacheTTL is how long a replica trusts a token it has looked up
// without looking again: a revocation, or a person set inactive, through
// another replica takes effect here within it (through this one, at once).
const tokenCacheTTL = 500 * time.Millisecond

// maxCachedTokens bounds the cache; only tokens that authenticated get in,
// so it is as large as the tokens in use, and starts afresh past this.
const maxCachedTokens = 10000

// tokenCache keeps, per replica and for tokenCacheTTL, the actors of tokens
// that authenticated, by the hash of their secret: a request then costs no
// lookup (a join) when its token was seen a moment ago.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedToken
	// gen counts invalidations; a lookup that began before one does not
	// store what it read, which may already be stale.
	gen uint64
}

type cachedToken struct {
	actor domain.Actor
	until time.Time // monotonic: the store's clock may stand still in tests
}

func (c *tokenCache) get(hash string) (domain.Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !time.Now().Before(e.until) {
		return domain.Actor{}, false
	}
	return e.actor, true
}

func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores an actor read in generation gen, unless an invalidation came
// since.
func (c *tokenCache) put(hash string, a domain.Actor, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = map[string]cachedToken{}
	}
	c.entries[hash] = cachedToken{actor: a, until: time.Now().Add(tokenCacheTTL)}
}

// invalidate forgets every cached token, after a change that may make one
// stop authenticating or change its actor (a revocation, a person changed
// or deleted).
func (c *tokenCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}

// tokenAuth is what authentication reads of a token and its person.
type tokenAuth struct {
	TokenID    string     `bun:"token_id"`
	Role       string     `bun:"role"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	PersonID   string     `bun:"person_id"`
	Name       string     `bun:"name"`
	Active     bool       `bun:"active"`
}

// Authenticate implements domain.TokenService.
func (db *DB) Authenticate(ctx context.Context, secret string) (domain.Actor, error) {
	hash := domain.HashTokenSecret(secret)
	if a, ok := db.tokens.get(hash); ok {
		return a, nil
	}
	gen := db.tokens.generation()
	var r tokenAuth
	q := db.bun.NewSelect().TableExpr("tokens AS t").Join("JOIN people AS p ON p.id = t.person_id").
		ColumnExpr("t.id AS token_id, t.role, t.revoked_at, t.last_used_at, p.id AS person_id, p.name, p.active").
		Where("t.secret_hash = ?", hash)
	err := db.selectOne(ctx, q, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Actor{}, domain.Errorf(domain.EUNAUTHORIZED, "the token is not known").WithJa("このトークンは登録されていません。")
	}
	if err != nil {
		return domain.Actor{}, wrap("authenticate", err)
	}
	switch {
	case r.RevokedAt != nil:
		return domain.Actor{}, domain.Errorf(domain.EUNAUTHORIZED, "the token was revoked").WithJa("このトークンは失効しています。")
	case !r.Active:
		return domain.Actor{}, domain.Errorf(domain.EUNAUTHORIZED, "the token's person is inactive").WithJa("このトークンの職員は在職していません。")
	}
	now := db.Now()
	if r.LastUsedAt == nil || now.Sub(*r.LastUsedAt) >= lastUsedResolution {
		// Usage bookkeeping, not a change of the token: no version, no
		// audit. With the cache it runs on a lookup, not on every request,
		// and at most once a minute for a token.
		if _, err := db.bun.NewUpdate().Table("tokens").Set("last_used_at = ?", now).Where("id = ?", r.TokenID).Exec(ctx); err != nil {
			return domain.Actor{}, wrap("record token use", err)
		}
	}
	a := domain.Actor{PersonID: r.PersonID, TokenID: r.TokenID, Role: domain.Role(r.Role), Name: r.Name}
	db.tokens.put(hash, a, gen)
	return a, nil
}

// CreateToken implements domain.TokenService.
func (db *DB) CreateToken(ctx context.Context, in domain.TokenInput) (*domain.Token, string, error) {
	if err := domain.Validate(in); err != nil {
		return nil, "", err
	}
	var (
		out    *domain.Token
		secret string
	)
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, secret, err = db.createToken(ctx, tx, in)
		return err
	})
	return out, secret, err
}

func (db *DB) createToken(ctx context.Context, tx bun.Tx, in domain.TokenInput) (*domain.Token, string, error) {
	exists, err := tx.NewSelect().Table("people").Where("id = ?", in.PersonID).Exists(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("store: check person: %w", err)
	}
	if !exists {
		return nil, "", domain.Invalid("the token must belong to an existing person",
			domain.FieldError{Field: "person_id", Message: "no person has this id", Ja: noPersonJa, Value: in.PersonID}).
			WithJa("トークンは、登録されている職員に発行してください。")
	}
	secret, err := domain.NewTokenSecret()
	if err != nil {
		return nil, "", fmt.Errorf("store: token secret: %w", err)
	}
	row := &tokenRow{
		ID: uuid.Must(uuid.NewV7()).String(), PersonID: in.PersonID, Role: string(in.Role), Description: in.Description,
		SecretHash: domain.HashTokenSecret(secret), Hint: domain.TokenHint(secret), CreatedAt: db.Now(), Version: 1,
	}
	if a := actorOf(ctx); a.PersonID != "" {
		row.CreatedBy = &a.PersonID
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, "", wrap("insert token", translate(err))
	}
	t := row.toDomain()
	return t, secret, db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityToken, EntityID: t.ID, After: t})
}

// FindToken implements domain.TokenService.
func (db *DB) FindToken(ctx context.Context, id string) (*domain.Token, error) {
	var row tokenRow
	if err := loadRow(ctx, db.bun, &row, entityToken, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// ListTokens implements domain.TokenService.
func (db *DB) ListTokens(ctx context.Context, f domain.TokenFilter, p domain.PageRequest) (domain.Page[*domain.Token], error) {
	var rows []*tokenRow
	q := db.bun.NewSelect().Model(&rows)
	if f.PersonID != "" {
		q = q.Where("person_id = ?", f.PersonID)
	}
	if f.Revoked != nil {
		if *f.Revoked {
			q = q.Where("revoked_at IS NOT NULL")
		} else {
			q = q.Where("revoked_at IS NULL")
		}
	}
	return listPage(ctx, q, &rows, p, "list tokens",
		(*tokenRow).toDomain,
		func(t *domain.Token) string { return t.ID })
}

// RevokeToken implements domain.TokenService.
func (db *DB) RevokeToken(ctx context.Context, id string, ifVersion *int) (*domain.Token, error) {
	var out *domain.Token
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row tokenRow
		if err := loadRow(ctx, tx, &row, entityToken, id); err != nil {
			return err
		}
		if err := checkVersion(entityToken, row.Version, ifVersion); err != nil {
			return err
		}
		if row.RevokedAt != nil {
			return domain.Errorf(domain.ECONFLICT, "token %s was already revoked", id).WithJa("トークン%sは既に失効しています。", id)
		}
		before := row.toDomain()
		now := db.Now()
		read := row.Version
		row.RevokedAt, row.Version = &now, read+1
		if err := updateRow(ctx, tx, &row, entityToken, id, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditRevoke, EntityType: entityToken, EntityID: id, Before: before, After: out})
	})
	if err == nil {
		db.tokens.invalidate() // at once on this replica; elsewhere within tokenCacheTTL
	}
	return out, err
}
