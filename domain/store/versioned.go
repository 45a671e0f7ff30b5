package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// Every versioned write follows the same steps: read the row in the
// transaction, compare the caller's expected version, and write with
// "WHERE version = <read version>" so that a concurrent writer between the
// read and the write is detected even when the caller sent no If-Match.

// loadRow reads the row with the given id into model inside tx; ENOTFOUND
// when there is none.
func loadRow(ctx context.Context, tx bun.IDB, model any, kind, id string) error {
	err := tx.NewSelect().Model(model).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, id)
	}
	if err != nil {
		return wrap("load "+kind, err)
	}
	return nil
}

// checkVersion compares the caller's expected version with the stored one.
func checkVersion(kind string, stored int, ifVersion *int) error {
	if ifVersion != nil && *ifVersion != stored {
		return staleVersion(kind, stored, *ifVersion)
	}
	return nil
}

// updateRow writes model (whose version the caller has already increased)
// where the stored version is still readVersion.
func updateRow(ctx context.Context, tx bun.Tx, model any, kind, id string, readVersion int, ifVersion *int) error {
	res, err := tx.NewUpdate().Model(model).WherePK().Where("version = ?", readVersion).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: update %s: %w", kind, err)
	}
	return checkAffected(res, kind, ifVersion, readVersion)
}

// deleteRow deletes the row where the stored version is still readVersion.
func deleteRow(ctx context.Context, tx bun.Tx, model any, kind string, readVersion int, ifVersion *int) error {
	res, err := tx.NewDelete().Model(model).WherePK().Where("version = ?", readVersion).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", kind, err)
	}
	return checkAffected(res, kind, ifVersion, readVersion)
}

func checkAffected(res sql.Result, kind string, ifVersion *int, readVersion int) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s rows affected: %w", kind, err)
	}
	if n == 1 {
		return nil
	}
	if ifVersion != nil {
		return staleVersion(kind, readVersion+1, *ifVersion)
	}
	return concurrentChange(kind)
}
