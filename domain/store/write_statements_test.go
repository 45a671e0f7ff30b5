package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// statementLog records the statements bun sends, BEGIN and COMMIT
// included.
type statementLog struct {
	mu   sync.Mutex
	on   bool
	list []string
}

func (l *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (l *statementLog) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.list = append(l.list, ev.Query)
	}
}

// record returns the statements fn sends.
func (l *statementLog) record(fn func()) []string {
	l.mu.Lock()
	l.on, l.list = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.list
}

// TestCreateVendorStatements counts the round trips of one audited write,
// POST /v1/vendors without certifications: BEGIN, the chain lock, the
// owner check, the vendor, its audit event, COMMIT; on SQLite also the
// head, moved once at the end. (It was 11 before the sealer: the head
// locked, read and written, the vendor and its certifications deleted and
// read back.)
func TestCreateVendorStatements(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		ctx = domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "t"})
		log := &statementLog{}
		db.AddQueryHook(log)
		_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "委託先 0", OwnerID: first.Person.ID})
		require.NoError(t, err)
		stmts := log.record(func() {
			_, err = db.CreateVendor(ctx, domain.VendorInput{Name: "委託先 1", OwnerID: first.Person.ID})
			require.NoError(t, err)
		})
		for _, s := range stmts {
			t.Log(s[:min(len(s), 160)])
		}
		want := 6
		if db.Kind() == store.SQLite {
			want = 7
		}
		require.Len(t, stmts, want)
	})
}
