package store

import "github.com/uptrace/bun"

// AddQueryHook lets the tests outside the package watch the SQL the store
// runs (the index test EXPLAINs the very queries of each list), the
// parameterised reads of prepared.go included.
func (db *DB) AddQueryHook(h bun.QueryHook) {
	db.bun.AddQueryHook(h)
	db.hooks = append(db.hooks, h)
}
