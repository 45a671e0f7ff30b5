package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The contract list's missing_clause filter reads contract_missing_clauses
// (migration 0028): a row (code, contract_id) for every contract and every
// clause of the catalogue that the contract does not address
// (domain.ClauseStatus.Addressed decides). The writes below keep it in step
// in the transaction of every change that can change it:
//
//   - a contract created misses every clause of the catalogue
//     (noteNewContract, from createContractTx);
//   - a clause row written (upsertContractClause: setting a clause's
//     status, approving a waiver, the import) adds or removes its pair
//     (noteClauseStatus);
//   - a clause added to the catalogue is missed by every contract that does
//     not address it (noteNewClause, from CreateCatalogueItem and
//     seedCatalogue);
//   - a contract deleted takes its rows along (ON DELETE CASCADE).
//
// Retiring a clause or changing whether it is mandatory changes nothing
// here: the filter ignores both. Codes outside the catalogue have no rows;
// the filter answers them from contract_clauses (missingClauseUnknown).

// missingClausesLock orders, on PostgreSQL, the writes that add a contract
// against those that add a clause to the catalogue: each inserts the pairs
// of what its snapshot sees, so a contract and a clause committed side by
// side would otherwise leave their pair out. Contracts take the lock shared
// (they never conflict with one another), a new clause exclusively. SQLite
// has one writer at a time. Its key is the schema's, as the store's other
// advisory locks (advisoryKey).
const missingClausesLock = "missing clauses"

// lockMissingClauses takes missingClausesLock for the transaction.
func (db *DB) lockMissingClauses(ctx context.Context, tx bun.IDB, exclusive bool) error {
	if db.kind != Postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	if _, err := tx.NewRaw(`SELECT `+fn+`(?)`, advisoryKey(missingClausesLock, db.schema)).Exec(ctx); err != nil {
		return fmt.Errorf("store: lock missing clauses: %w", err)
	}
	return nil
}

// noteNewContract records that a new contract, which has no clause rows
// yet, misses every clause of the catalogue.
func (db *DB) noteNewContract(ctx context.Context, tx bun.IDB, contractID string) error {
	if err := db.lockMissingClauses(ctx, tx, false); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`INSERT INTO contract_missing_clauses (code, contract_id)
		SELECT code, ? FROM catalogue_items WHERE catalogue = ? ON CONFLICT DO NOTHING`,
		contractID, string(domain.CatalogueClauses)).Exec(ctx); err != nil {
		return fmt.Errorf("store: note the new contract's missing clauses: %w", err)
	}
	return nil
}

// noteClauseStatus records whether the contract misses the clause now that
// its row has the given status.
func noteClauseStatus(ctx context.Context, tx bun.IDB, contractID, code string, status domain.ClauseStatus) error {
	var err error
	if status.Addressed() {
		_, err = tx.NewRaw(`DELETE FROM contract_missing_clauses WHERE code = ? AND contract_id = ?`, code, contractID).Exec(ctx)
	} else {
		// Only catalogue clauses have rows; the store sets no other.
		_, err = tx.NewRaw(`INSERT INTO contract_missing_clauses (code, contract_id)
			SELECT code, ? FROM catalogue_items WHERE catalogue = ? AND code = ? ON CONFLICT DO NOTHING`,
			contractID, string(domain.CatalogueClauses), code).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: note clause %s of contract %s: %w", code, contractID, err)
	}
	return nil
}

// noteNewClause records that every contract not addressing a clause just
// added to the catalogue misses it.
func (db *DB) noteNewClause(ctx context.Context, tx bun.IDB, code string) error {
	if err := db.lockMissingClauses(ctx, tx, true); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`INSERT INTO contract_missing_clauses (code, contract_id)
		SELECT ?, c.id FROM contracts c
		WHERE NOT EXISTS (SELECT 1 FROM contract_clauses cc WHERE cc.contract_id = c.id AND cc.code = ? AND cc.status IN (?))
		ON CONFLICT DO NOTHING`, code, code, bun.In(domain.AddressedClauseStatuses())).Exec(ctx); err != nil {
		return fmt.Errorf("store: note the contracts missing new clause %s: %w", code, err)
	}
	return nil
}

// RebuildMissingClauses rewrites contract_missing_clauses from the
// contracts, their clauses and the catalogue, in one transaction. The store
// keeps the table in step by itself; this is for data written around it (a
// bulk load in a benchmark, a repair by hand). On PostgreSQL it runs
// without the statement timeout, which is for requests: a register of
// 200,000 contracts takes longer.
func (db *DB) RebuildMissingClauses(ctx context.Context) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if db.kind == Postgres {
			if _, err := tx.NewRaw(`SET LOCAL statement_timeout = 0`).Exec(ctx); err != nil {
				return fmt.Errorf("store: lift the statement timeout: %w", err)
			}
			// Data written around the store may not be analyzed yet; the
			// anti-join below wants a hash join over both tables.
			if _, err := tx.NewRaw(`ANALYZE contracts, contract_clauses`).Exec(ctx); err != nil {
				return fmt.Errorf("store: analyze contracts: %w", err)
			}
		}
		if err := db.lockMissingClauses(ctx, tx, true); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`DELETE FROM contract_missing_clauses`).Exec(ctx); err != nil {
			return fmt.Errorf("store: clear missing clauses: %w", err)
		}
		if _, err := tx.NewRaw(`INSERT INTO contract_missing_clauses (code, contract_id)
			SELECT k.code, c.id FROM catalogue_items k CROSS JOIN contracts c
			WHERE k.catalogue = ?
			  AND NOT EXISTS (SELECT 1 FROM contract_clauses cc WHERE cc.contract_id = c.id AND cc.code = k.code AND cc.status IN (?))`,
			string(domain.CatalogueClauses), bun.In(domain.AddressedClauseStatuses())).Exec(ctx); err != nil {
			return fmt.Errorf("store: rebuild missing clauses: %w", err)
		}
		return nil
	})
}

// isClauseCode reports whether code names a clause of the catalogue
// (retired or not), which contract_missing_clauses covers.
func (db *DB) isClauseCode(ctx context.Context, code string) (bool, error) {
	var n int
	err := db.selectOne(ctx, db.bun.NewSelect().Table("catalogue_items").ColumnExpr("1").
		Where("catalogue = ? AND code = ?", string(domain.CatalogueClauses), code), &n)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap("look up clause "+code, err)
	}
	return true, nil
}

// whereMissingClause keeps the contracts of q that miss the clause code.
// For a catalogue clause (known) it joins the clause's rows of
// contract_missing_clauses and returns their contract_id as the page's key
// column: the page is read in order from the cursor (after, "" on the first
// page) on that index, so it costs the same however few contracts miss the
// clause. The contracts get the cursor's bound too, so that a merge join
// starts both sides at it. The code is a literal in the SQL text
// (enumLiteral): PostgreSQL plans each clause with its own statistics (one
// that few contracts miss is read from the index and joined row by row,
// one that many miss may be merged), where a plan made once for any code
// would assume the average share.
func whereMissingClause(q *bun.SelectQuery, code, after string, known bool) (*bun.SelectQuery, string) {
	if !known {
		return missingClauseUnknown(q, code), "id"
	}
	q = q.Join("JOIN contract_missing_clauses AS mc ON mc.contract_id = ?TableAlias.id").Where("mc.code = ?", enumLiteral(code))
	if after != "" {
		q = q.Where("?TableAlias.id > ?", after)
	}
	return q, "mc.contract_id"
}

// missingClauseUnknown is the filter's definition, for a code outside the
// catalogue: no clause of the code addressed. No contract has a clause
// row of such a code, so every contract matches and the walk in id order
// stops at the first page.
func missingClauseUnknown(q *bun.SelectQuery, code string) *bun.SelectQuery {
	return q.Where(`NOT EXISTS (SELECT 1 FROM contract_clauses cc WHERE cc.contract_id = ?TableAlias.id AND cc.code = ? AND cc.status IN (?))`,
		code, bun.In(domain.AddressedClauseStatuses()))
}
