package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vendorwatch/vendorwatch/domain"
)

// translate turns the database errors a caller can act on (a duplicate, a
// reference that blocks a change) into domain errors. Everything else passes
// through and ends as a 500 whose text stays in the log.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return domain.Errorf(domain.ECONFLICT, "a record with the same %s already exists", constraintSubject(pgErr.ConstraintName))
		case "23503":
			return domain.Errorf(domain.ECONFLICT, "the change would break a reference between records")
		case "40001", "40P01":
			return domain.Errorf(domain.ECONFLICT, "the change collided with another one: retry it")
		case "22001":
			return domain.Invalid("a value is too long to store", domain.FieldError{Field: "body", Message: "shorten the longest text"})
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return domain.Errorf(domain.ECONFLICT, "a record with the same %s already exists", constraintSubject(sqErr.Error()))
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return domain.Errorf(domain.ECONFLICT, "the change would break a reference between records")
		}
	}
	return err
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

func notFound(kind, id string) error {
	return domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, id)
}

func staleVersion(kind string, have, want int) error {
	return domain.Errorf(domain.ESTALE, "%s is at version %d, not %d: read it again and reapply your change", kind, have, want)
}

func concurrentChange(kind string) error {
	return domain.Errorf(domain.ECONFLICT, "%s was changed by someone else while this change was being made: read it again and retry", kind)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
