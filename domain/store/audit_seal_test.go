package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// Sixteen connections write while the sealer runs again and again, and
// every tenth write rolls back after taking its seq. Then everything is
// sealed: the chain holds, every seq from 1 to the head is one event,
// sealed once (the sealer updates only unsealed rows and fails otherwise),
// every committed write's event is in it, and every rolled-back write left
// exactly one seq_void. Had the sealer sealed past a seq whose transaction
// was still running, that event would have committed below the head
// (unsealed_before_head) or collided with a void.
func TestAuditSealerUnderConcurrentWrites(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			if tg.Name == "postgres" {
				tg.URL = withPoolSize(tg.URL, 20)
			}
			db := storetest.Open(t, tg, storetest.Options{})
			db.UseAuditKeys(domain.AuditKeyring{Current: auditKey(t, "sealer")})
			ctx := domain.WithActor(context.Background(), domain.SystemActor)
			const writers, each = 16, 30
			var committed sync.Map
			var failed atomic.Int64
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						name := fmt.Sprintf("w%d-%d", w, i)
						err := db.AppendTestAudit(ctx, name, nil, nil, i%10 == 9)
						if i%10 == 9 {
							require.ErrorIs(t, err, store.ErrTestRollback)
							failed.Add(1)
							continue
						}
						require.NoError(t, err)
						committed.Store(name, true)
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			seals, sealed := 0, 0
			for running := true; running; seals++ {
				select {
				case <-done:
					running = false
				default:
				}
				n, err := db.SealAudit(context.Background())
				require.NoError(t, err)
				sealed += n
			}
			n, err := db.SealAudit(context.Background())
			require.NoError(t, err)
			sealed += n

			v, err := db.VerifyAuditChain(context.Background())
			require.NoError(t, err)
			require.True(t, v.OK, "%+v", v.FirstBroken)
			require.Zero(t, v.Unsealed)
			require.False(t, v.UnsealedBeforeHead)
			es := allEvents(t, db)
			require.Len(t, es, int(v.HeadSeq))
			voids := 0
			for i, e := range es {
				require.Equal(t, int64(i+1), e.Seq)
				require.NotEmpty(t, e.Hash)
				switch {
				case e.Action == domain.AuditSeqVoid:
					voids++
				case e.EntityType == "test":
					_, ok := committed.LoadAndDelete(e.EntityID)
					require.True(t, ok, "event %d (%s) is a committed write's, once", e.Seq, e.EntityID)
				}
			}
			committed.Range(func(k, _ any) bool { t.Errorf("write %s has no event", k); return true })
			if db.Kind() == store.Postgres {
				require.Equal(t, int(failed.Load()), voids, "one void per rolled-back write")
				require.Equal(t, len(es), sealed, "every event sealed once")
			} else {
				require.Zero(t, voids, "SQLite chains inline: a rolled-back write takes no seq")
			}
			t.Logf("%d events, %d voids, %d seals while writing", len(es), voids, seals)
		})
	}
}

// A transaction that has taken a seq and not ended holds the sealer below
// it however many later writes commit; once it commits, its event is
// sealed in its place.
func TestAuditSealerWaitsForARunningWrite(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		if db.Kind() != store.Postgres {
			t.Skip("SQLite chains inline")
		}
		db.UseAuditKeys(domain.AuditKeyring{Current: auditKey(t, "waits")})
		ctx := domain.WithActor(context.Background(), domain.SystemActor)
		require.NoError(t, db.AppendTestAudit(ctx, "before", nil, nil, false))
		sealAll(t, db)
		v, err := db.VerifyAuditChain(context.Background())
		require.NoError(t, err)
		held := v.HeadSeq + 1

		taken, hold, finished := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() { finished <- db.AppendTestAudit(ctx, "held", taken, hold, false) }()
		<-taken
		later := make(chan error)
		go func() { later <- db.AppendTestAudit(ctx, "later", nil, nil, false) }()

		short, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		_, err = db.SealAudit(short)
		cancel()
		require.Error(t, err, "the sealer waits for the running write")
		v, err = db.VerifyAuditChain(short)
		require.Error(t, err)

		close(hold)
		require.NoError(t, <-finished)
		require.NoError(t, <-later)
		sealAll(t, db)
		v, err = db.VerifyAuditChain(context.Background())
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v.FirstBroken)
		es := allEvents(t, db)
		require.Equal(t, "held", es[held-1].EntityID)
		require.Equal(t, "later", es[held].EntityID)
		require.Equal(t, held+1, v.HeadSeq)
	})
}

// Tampering with the unsealed tail: an event whose hash is cleared below
// the head is unsealed_before_head; an unsealed event inserted above the
// head is sealed as the sealer finds it (the window the design documents),
// but one inserted into a sealed seq's place cannot be (the seq is taken).
func TestAuditUnsealedEventBelowTheHeadIsFound(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		es := keyedChain(t, db, auditKey(t, "unsealed"))
		mid := *es[len(es)/2]
		mid.Hash, mid.PrevHash, mid.KeyID = "", "", ""
		putEvent(t, db, &mid)
		v := requireBroken(t, db, mid.Seq)
		require.Equal(t, domain.AuditUnsealedBeforeHead, v.FirstBroken.Problem)
		require.True(t, v.UnsealedBeforeHead)

		// The sealer does not chain over it either: it starts above the head.
		_, err := db.SealAudit(context.Background())
		require.NoError(t, err)
		requireBroken(t, db, mid.Seq)
	})
}
