package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vendorwatch/vendorwatch/domain"
)

// translate turns the database errors a caller can act on (a duplicate, a
// reference that blocks a change, a database that is not answering) into
// domain errors. Everything else passes through and ends as a 500 whose text
// stays in the log.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isUnavailable(err) {
		return unavailable(err)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "not found").WithJa("該当する記録が見つかりません。")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return domain.Errorf(domain.ECONFLICT, "a record with the same %s already exists", constraintSubject(pgErr.ConstraintName)).
				WithJa("同じ%sの記録が既にあります。", constraintSubjectJa(pgErr.ConstraintName))
		case "23503":
			return domain.Errorf(domain.ECONFLICT, "the change would break a reference between records").WithJa(brokenReferenceJa)
		case "40001", "40P01":
			return domain.Errorf(domain.ECONFLICT, "the change collided with another one: retry it").
				WithJa("別の変更と同時に行われたため、変更できませんでした。もう一度行ってください。")
		case "22001":
			return domain.Invalid("a value is too long to store", domain.FieldError{Field: "body", Message: "shorten the longest text", Ja: "最も長い文章を短くしてください。"}).
				WithJa("保存できる長さを超える値があります。")
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return domain.Errorf(domain.ECONFLICT, "a record with the same %s already exists", constraintSubject(sqErr.Error())).
				WithJa("同じ%sの記録が既にあります。", constraintSubjectJa(sqErr.Error()))
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return domain.Errorf(domain.ECONFLICT, "the change would break a reference between records").WithJa(brokenReferenceJa)
		}
	}
	return err
}

// errUnavailableMessage is what a caller reads when the database is down,
// hung or too slow: it names the database and says to retry, and nothing
// of the driver's text.
const errUnavailableMessage = "the database is unavailable (unreachable or not answering in time); retry later"

// errUnavailableMessageJa is errUnavailableMessage in Japanese.
const errUnavailableMessageJa = "データベースを利用できません（接続できないか、時間内に応答がありません）。しばらくしてからもう一度行ってください。"

// brokenReferenceJa is the Japanese of a change refused by a foreign key.
const brokenReferenceJa = "この変更を行うと、記録の間の参照が失われるため、変更できません。"

// unavailable is the EUNAVAILABLE error for cause, which it keeps for the log.
func unavailable(cause error) error {
	return &domain.Error{Code: domain.EUNAVAILABLE, Message: errUnavailableMessage, Ja: errUnavailableMessageJa, Err: cause}
}

// PostgreSQL error codes that mean the database, not the request, is the
// trouble: it cancelled the statement (statement_timeout, lock_timeout, an
// operator's cancel), is shutting down or starting, or has no connection
// left. Class 08 (connection exceptions) is matched as a class.
var unavailableSQLStates = map[string]bool{
	"57014": true, // query_canceled (statement_timeout or a cancel request)
	"55P03": true, // lock_not_available (lock_timeout)
	"25P03": true, // idle_in_transaction_session_timeout
	"57P01": true, // admin_shutdown (also pg_terminate_backend)
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now (starting up, in recovery)
	"57P05": true, // idle_session_timeout
	"53300": true, // too_many_connections
}

// isUnavailable reports whether err means the database could not be reached
// or did not answer in time: a connection that failed or broke, a deadline
// or cancellation of the call, a statement the server cancelled, or, on
// SQLite, a lock that was not released within busy_timeout.
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || unavailableSQLStates[pgErr.Code]
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT:
			return true
		}
	}
	return false
}

// connectionBroken reports whether err says a connection was dropped under
// the store (the server terminated it, restarted, or the network broke),
// not merely that a call timed out: then the pool's other idle connections
// are most likely dead too.
func connectionBroken(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.As(err, &netErr) && !netErr.Timeout()
}

// constraintSubject guesses the field from a constraint name or message.
func constraintSubject(s string) string {
	switch {
	case strings.Contains(s, "email"):
		return "e-mail address"
	case strings.Contains(s, "name"):
		return "name"
	case strings.Contains(s, "code"):
		return "code"
	}
	return "key"
}

// constraintSubjectJa is constraintSubject in Japanese.
func constraintSubjectJa(s string) string {
	switch {
	case strings.Contains(s, "email"):
		return "メールアドレス"
	case strings.Contains(s, "name"):
		return "名称"
	case strings.Contains(s, "code"):
		return "コード"
	}
	return "キー"
}

// entityJa names an entity kind in Japanese for the staff pages.
func entityJa(kind string) string {
	if n, ok := map[string]string{
		entityCatalogueItem:    "一覧の項目",
		entityCloudService:     "約款による外部サービス",
		entityConfirmation:     "遵守状況の確認",
		entityContract:         "契約",
		entityCorrectiveAction: "是正措置",
		entityDepartment:       "部署",
		entityEvidenceFile:     "証跡ファイル",
		entityPerson:           "職員",
		entityReview:           "見直し",
		entitySettings:         "設定",
		entitySocialAccount:    "ソーシャルメディアのアカウント",
		entityToken:            "トークン",
		entityVendor:           "委託事業者",
		entityPolicyReview:     "情報セキュリティポリシーの見直し",
		entityIncident:         "インシデント",
		// Self-inspection and audit.
		entityInspectionCampaign: "自己点検",
		entityInspectionAnswer:   "自己点検の回答",
		entityInspectionAssign:   "自己点検の割当て",
		entityAudit:              "監査",
		entityAuditFinding:       "監査の指摘事項",
	}[kind]; ok {
		return n
	}
	return kind
}

func notFound(kind, id string) error {
	return domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, id).
		WithJa("%s（%s）が見つかりません。", entityJa(kind), id)
}

func staleVersion(kind string, have, want int) error {
	return domain.Errorf(domain.ESTALE, "%s is at version %d, not %d: read it again and reapply your change", kind, have, want).
		WithJa("この%sは、表示した後に別の人が更新しました（版%d、表示した版は%d）。もう一度開き直してから変更してください。", entityJa(kind), have, want)
}

func concurrentChange(kind string) error {
	return domain.Errorf(domain.ECONFLICT, "%s was changed by someone else while this change was being made: read it again and retry", kind).
		WithJa("この%sは、変更の途中で別の人が更新しました。もう一度開き直してから行ってください。", entityJa(kind))
}

// wrap names the operation in an internal error; a domain error, or a
// database that is unavailable, passes as its domain error.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isUnavailable(err) {
		return unavailable(fmt.Errorf("store: %s: %w", op, err))
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
