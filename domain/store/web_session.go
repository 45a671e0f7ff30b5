package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.SessionService = (*DB)(nil)

// sessionSeenResolution bounds how often a page request writes a session's
// last_seen_at: the idle timeout is minutes, so a minute's error is fine and
// a busy page does not write on every request.
const sessionSeenResolution = time.Minute

// newSecret returns prefix and 256 random bits.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: random secret: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// RequestSignInLink implements domain.SessionService.
func (db *DB) RequestSignInLink(ctx context.Context, email string) (*domain.Person, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 {
		return nil, "", nil
	}
	var (
		person *domain.Person
		secret string
	)
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var row personRow
		err := tx.NewSelect().Model(&row).Where("lower(email) = ?", email).Where("active = ?", true).Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return wrap("find person by e-mail", err)
		}
		now := db.Now()
		// A flood of requests for one address would fill its mailbox:
		// beyond a few live links, no new one is made (the answer is the
		// same either way).
		live, err := tx.NewSelect().Table("sign_in_links").Where("person_id = ?", row.ID).
			Where("used_at IS NULL").Where("expires_at > ?", now).Count(ctx)
		if err != nil {
			return wrap("count sign-in links", err)
		}
		if live >= domain.MaxLiveSignInLinks {
			return nil
		}
		secret, err = newSecret(domain.SignInPrefix)
		if err != nil {
			return err
		}
		// Not a change of a register: no audit event, and no write lock.
		if _, err := tx.NewRaw(`INSERT INTO sign_in_links (id, person_id, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), row.ID, domain.HashSessionSecret(secret), now, now.Add(domain.SignInLinkTTL)).Exec(ctx); err != nil {
			return wrap("insert sign-in link", err)
		}
		person = row.toDomain()
		return nil
	})
	if err != nil {
		return nil, "", translate(err)
	}
	return person, secret, nil
}

// RedeemSignInLink implements domain.SessionService.
func (db *DB) RedeemSignInLink(ctx context.Context, secret string) (string, *domain.Person, error) {
	refused := domain.Errorf(domain.EUNAUTHORIZED, "this sign-in link is not valid any more: it was used, it is older than %d minutes, or it was never issued; ask for a new one", int(domain.SignInLinkTTL.Minutes())).
		WithJa("このサインイン用のリンクは使えません。使用済みか、発行から%d分を過ぎているか、発行されていないリンクです。新しいリンクを依頼してください。", int(domain.SignInLinkTTL.Minutes()))
	if !strings.HasPrefix(secret, domain.SignInPrefix) || len(secret) > 100 {
		return "", nil, refused
	}
	var (
		session string
		person  *domain.Person
	)
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := db.Now()
		var link struct {
			ID       string `bun:"id"`
			PersonID string `bun:"person_id"`
		}
		// Used up in the same statement that finds it, so two clicks on one
		// link (a mail scanner, a double click) open one session at most.
		err := tx.NewRaw(`UPDATE sign_in_links SET used_at = ? WHERE secret_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id, person_id`,
			now, domain.HashSessionSecret(secret), now).Scan(ctx, &link)
		if errors.Is(err, sql.ErrNoRows) {
			return refused
		}
		if err != nil {
			return wrap("use sign-in link", err)
		}
		session, person, err = db.openSession(ctx, tx, link.PersonID, domain.SignInEmailLink)
		if errors.Is(err, errInactive) {
			return refused
		}
		return err
	})
	if err != nil {
		return "", nil, translate(err)
	}
	return session, person, nil
}

var errInactive = errors.New("inactive person")

// OpenSessionForEmail implements domain.SessionService.
func (db *DB) OpenSessionForEmail(ctx context.Context, email, method string) (string, *domain.Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	refused := domain.Errorf(domain.EUNAUTHORIZED, "no active person in vendorwatch has the e-mail address %s; ask an administrator to add you", email).
		WithJa("メールアドレス%sの在職中の職員は、vendorwatchに登録されていません。管理者に登録を依頼してください。", email)
	var (
		session string
		person  *domain.Person
	)
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var id string
		err := tx.NewSelect().Table("people").Column("id").Where("lower(email) = ?", email).Where("active = ?", true).Limit(1).Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return refused
		}
		if err != nil {
			return wrap("find person by e-mail", err)
		}
		session, person, err = db.openSession(ctx, tx, id, method)
		if errors.Is(err, errInactive) {
			return refused
		}
		return err
	})
	if err != nil {
		return "", nil, translate(err)
	}
	return session, person, nil
}

func (db *DB) openSession(ctx context.Context, tx bun.Tx, personID, method string) (string, *domain.Person, error) {
	var row personRow
	if err := tx.NewSelect().Model(&row).Where("id = ?", personID).Scan(ctx); err != nil {
		return "", nil, wrap("find person", err)
	}
	if !row.Active {
		return "", nil, errInactive
	}
	secret, err := newSecret(domain.SessionPrefix)
	if err != nil {
		return "", nil, err
	}
	now := db.Now()
	if _, err := tx.NewRaw(`INSERT INTO web_sessions (id, person_id, secret_hash, method, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), personID, domain.HashSessionSecret(secret), method, now, now).Exec(ctx); err != nil {
		return "", nil, wrap("insert session", err)
	}
	return secret, row.toDomain(), nil
}

// SessionActor implements domain.SessionService.
func (db *DB) SessionActor(ctx context.Context, secret string) (domain.Actor, error) {
	refused := domain.Errorf(domain.EUNAUTHORIZED, "not signed in, or the session has ended").WithJa("サインインしていないか、セッションが終了しています。")
	if !strings.HasPrefix(secret, domain.SessionPrefix) || len(secret) > 100 {
		return domain.Actor{}, refused
	}
	var r struct {
		ID         string     `bun:"id"`
		PersonID   string     `bun:"person_id"`
		CreatedAt  time.Time  `bun:"created_at"`
		LastSeenAt time.Time  `bun:"last_seen_at"`
		EndedAt    *time.Time `bun:"ended_at"`
		Name       string     `bun:"name"`
		Active     bool       `bun:"active"`
	}
	err := db.bun.NewSelect().TableExpr("web_sessions AS s").Join("JOIN people AS p ON p.id = s.person_id").
		ColumnExpr("s.id, s.person_id, s.created_at, s.last_seen_at, s.ended_at, p.name, p.active").
		Where("s.secret_hash = ?", domain.HashSessionSecret(secret)).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Actor{}, refused
	}
	if err != nil {
		return domain.Actor{}, wrap("find session", err)
	}
	if r.EndedAt != nil || !r.Active {
		return domain.Actor{}, refused
	}
	settings, err := db.GetSettings(ctx)
	if err != nil {
		return domain.Actor{}, err
	}
	now := db.Now()
	s := domain.WebSession{ID: r.ID, PersonID: r.PersonID, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt}
	if why := domain.SessionLimitsOf(settings.PolicySettings).SessionEnded(s, now); why != "" {
		// Ended for good, so that a longer timeout set later does not
		// bring it back, and sign-out everywhere counts live ones only.
		if _, err := db.bun.NewUpdate().Table("web_sessions").Set("ended_at = ?", now).Where("id = ?", r.ID).Exec(ctx); err != nil {
			return domain.Actor{}, wrap("end session", err)
		}
		return domain.Actor{}, domain.Errorf(domain.EUNAUTHORIZED, "the session has ended (%s); sign in again", why).
			WithJa("%sため、セッションが終了しました。もう一度サインインしてください。", sessionEndedJa(why))
	}
	role, _, err := db.PersonWebRole(ctx, r.PersonID)
	if err != nil {
		return domain.Actor{}, err
	}
	if now.Sub(r.LastSeenAt) >= sessionSeenResolution {
		if _, err := db.bun.NewUpdate().Table("web_sessions").Set("last_seen_at = ?", now).Where("id = ?", r.ID).Exec(ctx); err != nil {
			return domain.Actor{}, wrap("record session use", err)
		}
	}
	return domain.Actor{PersonID: r.PersonID, Role: role, Name: r.Name, SessionID: r.ID}, nil
}

// EndSession implements domain.SessionService.
func (db *DB) EndSession(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	_, err := db.bun.NewUpdate().Table("web_sessions").Set("ended_at = ?", db.Now()).
		Where("secret_hash = ?", domain.HashSessionSecret(secret)).Where("ended_at IS NULL").Exec(ctx)
	return wrap("end session", err)
}

// EndAllSessions implements domain.SessionService.
func (db *DB) EndAllSessions(ctx context.Context, personID string) (int, error) {
	if a := actorOf(ctx); a.PersonID != personID && a.Role != domain.RoleAdmin {
		return 0, domain.Errorf(domain.EFORBIDDEN, "only the person or an admin may sign a person out everywhere").
			WithJa("すべての端末からサインアウトさせることができるのは、本人又は管理者だけです。")
	}
	res, err := db.bun.NewUpdate().Table("web_sessions").Set("ended_at = ?", db.Now()).
		Where("person_id = ?", personID).Where("ended_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, wrap("end sessions", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PersonWebRole implements domain.SessionService.
func (db *DB) PersonWebRole(ctx context.Context, personID string) (domain.Role, bool, error) {
	var set *string
	err := db.bun.NewSelect().Table("people").Column("web_role").Where("id = ?", personID).Scan(ctx, &set)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, domain.Errorf(domain.ENOTFOUND, "no person has this id").WithJa(noPersonJa)
	}
	if err != nil {
		return "", false, wrap("find web role", err)
	}
	if set != nil && domain.Role(*set).Valid() {
		return domain.Role(*set), true, nil
	}
	var roles []string
	if err := db.bun.NewSelect().Table("tokens").Column("role").Where("person_id = ?", personID).Where("revoked_at IS NULL").Scan(ctx, &roles); err != nil {
		return "", false, wrap("find token roles", err)
	}
	have := make([]domain.Role, len(roles))
	for i, r := range roles {
		have[i] = domain.Role(r)
	}
	return domain.BestRole(have), false, nil
}

// SetWebRole implements domain.SessionService.
func (db *DB) SetWebRole(ctx context.Context, personID string, role *domain.Role) error {
	if actorOf(ctx).Role != domain.RoleAdmin {
		return domain.Errorf(domain.EFORBIDDEN, "only an admin may set a person's role on the pages").
			WithJa("職員の画面での役割を設定できるのは、管理者だけです。")
	}
	if role != nil && !role.Valid() {
		return domain.Invalid("the role is not one of admin, editor, auditor, viewer", domain.FieldError{Field: "web_role", Message: "must be admin, editor, auditor or viewer",
			Ja: "admin、editor、auditor又はviewerのいずれかを選んでください。", Value: string(*role)}).
			WithJa("役割は、admin、editor、auditor又はviewerのいずれかです。")
	}
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var before *string
		err := tx.NewSelect().Table("people").Column("web_role").Where("id = ?", personID).Scan(ctx, &before)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ENOTFOUND, "no person has this id").WithJa(noPersonJa)
		}
		if err != nil {
			return wrap("find web role", err)
		}
		var after *string
		if role != nil {
			v := string(*role)
			after = &v
		}
		if _, err := tx.NewUpdate().Table("people").Set("web_role = ?", after).Where("id = ?", personID).Exec(ctx); err != nil {
			return wrap("set web role", err)
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditUpdate, EntityType: entityPerson, EntityID: personID,
			Reason: "web role", Before: map[string]any{"web_role": before}, After: map[string]any{"web_role": after}})
	})
}
