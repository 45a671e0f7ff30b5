package store_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// callEveryService calls every method the API calls on db with ctx and
// zero arguments, and returns each method's error.
func callEveryService(t *testing.T, ctx context.Context, db *store.DB) map[string]error {
	t.Helper()
	backend := reflect.TypeFor[api.Backend]()
	v := reflect.ValueOf(db)
	out := map[string]error{}
	for i := range backend.NumMethod() {
		m := backend.Method(i)
		fn := v.MethodByName(m.Name)
		args := []reflect.Value{reflect.ValueOf(ctx)}
		for j := 1; j < fn.Type().NumIn(); j++ {
			args = append(args, reflect.Zero(fn.Type().In(j)))
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					out[m.Name] = fmt.Errorf("panic: %v", p)
				}
			}()
			res := fn.Call(args)
			err, _ := res[len(res)-1].Interface().(error)
			out[m.Name] = err
		}()
	}
	return out
}

// requireNoInternal asserts that no service answered an unavailable
// database with an internal error (a 500): each says EUNAVAILABLE, or
// refused its zero input before it asked the database.
func requireNoInternal(t *testing.T, errs map[string]error) {
	t.Helper()
	unavailable := 0
	var internal []string
	for name, err := range errs {
		switch domain.ErrorCodeOf(err) {
		case "": // nothing to do for a zero input (no ids to mark)
		case domain.EINTERNAL:
			internal = append(internal, fmt.Sprintf("%s: %v", name, err))
		case domain.EUNAVAILABLE:
			unavailable++
		}
	}
	slices.Sort(internal)
	require.Empty(t, internal, "these answer an unavailable database with a 500")
	require.Greater(t, unavailable, len(errs)/2, "most services ask the database first: %v", errs)
}

// Every service the API calls classifies a database that does not answer
// in time (the request's deadline has passed) as EUNAVAILABLE, reads and
// writes alike, so no path answers an outage with a 500.
func TestEveryServiceAnswersAPassedDeadlineAsUnavailable(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		_, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		requireNoInternal(t, callEveryService(t, ctx, db))
	})
}

// The same on PostgreSQL when the server cannot be reached at all: the
// driver's connection errors, not the context's, are EUNAVAILABLE too.
func TestEveryServiceAnswersAnUnreachableDatabaseAsUnavailable(t *testing.T) {
	pgURL := os.Getenv(storetest.PostgresURLEnv)
	if pgURL == "" {
		t.Skip("set " + storetest.PostgresURLEnv)
	}
	schema := storetest.NewSchema(t, pgURL)
	proxy := storetest.NewProxy(t, pgURL)
	ctx := context.Background()
	db, err := store.Open(ctx, proxy.URL(pgURL), store.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(t, err)
	_, err = db.SeedIfEmpty(ctx)
	require.NoError(t, err)

	proxy.Cut()
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	errs := callEveryService(t, callCtx, db)
	require.NoError(t, callCtx.Err(), "the errors are the connection's, not the deadline's")
	requireNoInternal(t, errs)

	proxy.Restore()
	_, err = db.GetSettings(ctx)
	require.NoError(t, err, "the pool reconnects by itself")
}
