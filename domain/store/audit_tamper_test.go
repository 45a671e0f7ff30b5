package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// auditKey makes a key from a label, failing the test on error.
func auditKey(t testing.TB, label string) *domain.AuditKey {
	t.Helper()
	k, err := domain.NewAuditKey("test audit key: " + label)
	require.NoError(t, err)
	return k
}

// keyedChain gives db the key, seeds it and adds a few changes, and
// returns the whole chain.
func keyedChain(t *testing.T, db *store.DB, key *domain.AuditKey) []*domain.AuditEvent {
	t.Helper()
	ctx := context.Background()
	db.UseAuditKeys(domain.AuditKeyring{Current: key})
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	actx := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	for i := range 3 {
		_, err := db.CreateVendor(actx, domain.VendorInput{Name: fmt.Sprintf("改ざん検証%d株式会社", i), OwnerID: first.Person.ID})
		require.NoError(t, err)
	}
	sealAll(t, db)
	es := allEvents(t, db)
	v, err := db.VerifyAuditChain(ctx)
	require.NoError(t, err)
	require.True(t, v.OK, "%+v", v)
	require.Equal(t, key.ID(), v.KeyID)
	require.Equal(t, domain.AuditKeyRotated, es[0].Action, "a keyed chain starts with its key's rotation event")
	return es
}

// sealAll chains every committed event (PostgreSQL's writers leave theirs
// to the sealer), so that a test tampers with the chain it means to, not
// with events the next seal would chain as they are.
func sealAll(t testing.TB, db *store.DB) {
	t.Helper()
	_, err := db.SealAudit(context.Background())
	require.NoError(t, err)
}

func allEvents(t *testing.T, db *store.DB) []*domain.AuditEvent {
	t.Helper()
	var out []*domain.AuditEvent
	p := domain.PageRequest{Limit: domain.MaxPageSize}
	for {
		page, err := db.ListAuditEvents(context.Background(), domain.AuditFilter{}, p)
		require.NoError(t, err)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		p.Cursor = page.NextCursor
	}
}

// exec runs a statement written with ? placeholders on either database.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if db.Kind() == store.Postgres {
		n := 0
		var b strings.Builder
		for _, r := range query {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		query = b.String()
	}
	_, err := db.SQL().Exec(query, args...)
	require.NoError(t, err, query)
}

func nullable(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// putEvent writes every column of e over the row of its seq.
func putEvent(t *testing.T, db *store.DB, e *domain.AuditEvent) {
	t.Helper()
	var actor any
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	exec(t, db, `UPDATE audit_events SET id = ?, occurred_at = ?, actor_id = ?, actor_name = ?, action = ?, entity_type = ?, entity_id = ?,
		reason = ?, before_json = ?, after_json = ?, prev_hash = ?, hash = ?, key_id = ? WHERE seq = ?`,
		e.ID, e.OccurredAt.UTC(), actor, e.ActorName, e.Action, e.EntityType, e.EntityID, e.Reason,
		nullable(e.Before), nullable(e.After), e.PrevHash, e.Hash, e.KeyID, e.Seq)
}

// insertEvent inserts e as a new row.
func insertEvent(t *testing.T, db *store.DB, e *domain.AuditEvent) {
	t.Helper()
	exec(t, db, `INSERT INTO audit_events (seq, id, occurred_at, actor_name, action, entity_type, entity_id, reason, after_json, prev_hash, hash, key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.ID, e.OccurredAt.UTC(), e.ActorName, e.Action, e.EntityType, e.EntityID, e.Reason, nullable(e.After), e.PrevHash, e.Hash, e.KeyID)
}

func setHead(t *testing.T, db *store.DB, seq int64, hash, keyID string) {
	t.Helper()
	exec(t, db, `UPDATE audit_head SET seq = ?, last_hash = ?, key_id = ? WHERE id = 1`, seq, hash, keyID)
}

// rehash is how a tamperer recomputes an edited event's hash.
type rehash struct {
	name string
	// key is the key used (nil: plain SHA-256); keyID the id written.
	key   *domain.AuditKey
	keyID func(orig string) string
}

var otherKey = func() *domain.AuditKey { k, _ := domain.NewAuditKey("a key the tamperer made up"); return k }()

var rehashes = []rehash{
	{"not rehashed", nil, nil},
	{"rehashed with plain SHA-256", nil, func(orig string) string { return orig }},
	{"rehashed with plain SHA-256 as legacy", nil, func(string) string { return "" }},
	{"rehashed with another key under the real key id", otherKey, func(orig string) string { return orig }},
	{"rehashed with another key under its own id", otherKey, func(string) string { return otherKey.ID() }},
}

// fieldEdits change one hashed field of an event.
var fieldEdits = []struct {
	field string
	edit  func(e *domain.AuditEvent)
}{
	{"id", func(e *domain.AuditEvent) { e.ID = "01900000-0000-7000-8000-000000000000" }},
	{"occurred_at", func(e *domain.AuditEvent) { e.OccurredAt = e.OccurredAt.Add(-time.Hour) }},
	{"actor_id", func(e *domain.AuditEvent) { id := "01900000-0000-7000-8000-00000000beef"; e.ActorID = &id }},
	{"actor_name", func(e *domain.AuditEvent) { e.ActorName = "mallory" }},
	{"action", func(e *domain.AuditEvent) { e.Action = "update" }},
	{"entity_type", func(e *domain.AuditEvent) { e.EntityType = "token" }},
	{"entity_id", func(e *domain.AuditEvent) { e.EntityID = "someone-else" }},
	{"reason", func(e *domain.AuditEvent) { e.Reason = "後から書き足した理由" }},
	{"before_json", func(e *domain.AuditEvent) { e.Before = []byte(`{"forged":true}`) }},
	{"after_json", func(e *domain.AuditEvent) { e.After = []byte(`{"name":"書き換え"}`) }},
	{"prev_hash", func(e *domain.AuditEvent) { e.PrevHash = strings.Repeat("0", 64) }},
	{"hash", func(e *domain.AuditEvent) { e.Hash = strings.Repeat("f", 64) }},
	{"key_id", func(e *domain.AuditEvent) { e.KeyID = otherKey.ID() }},
}

// requireBroken verifies and wants the chain broken at one of the seqs.
func requireBroken(t *testing.T, db *store.DB, seqs ...int64) domain.AuditVerification {
	t.Helper()
	v, err := db.VerifyAuditChain(context.Background())
	require.NoError(t, err)
	require.False(t, v.OK, "tampering not found")
	if len(seqs) > 0 {
		require.NotNil(t, v.FirstBroken)
		require.Contains(t, seqs, v.FirstBroken.Seq, "broken at %+v", v.FirstBroken)
	}
	return v
}

// Editing any hashed field of the first, a middle and the last event is
// found, whether or not the tamperer recomputes the hash without the key
// (plain SHA-256, as a legacy event, or under a key of their own). The
// last event's edits move the head too, as a tamperer would.
func TestAuditEditedEventIsFound(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		es := keyedChain(t, db, auditKey(t, "edits"))
		for _, pos := range []struct {
			name string
			i    int
		}{{"first", 0}, {"middle", len(es) / 2}, {"last", len(es) - 1}} {
			for _, f := range fieldEdits {
				for _, rh := range rehashes {
					t.Run(pos.name+"/"+f.field+"/"+rh.name, func(t *testing.T) {
						orig := *es[pos.i]
						e := orig
						f.edit(&e)
						if rh.keyID != nil && f.field != "hash" {
							if f.field != "key_id" {
								e.KeyID = rh.keyID(e.KeyID)
							}
							e.Hash = e.ComputeHash(rh.key)
						}
						putEvent(t, db, &e)
						if pos.i == len(es)-1 {
							setHead(t, db, e.Seq, e.Hash, e.KeyID)
						}
						defer func() {
							putEvent(t, db, &orig)
							setHead(t, db, es[len(es)-1].Seq, es[len(es)-1].Hash, es[len(es)-1].KeyID)
						}()
						// A legacy event first is itself fine; the next one,
						// keyed but no rotation, is where it breaks.
						requireBroken(t, db, e.Seq, e.Seq+1)
					})
				}
			}
		}
		v, err := db.VerifyAuditChain(context.Background())
		require.NoError(t, err)
		require.True(t, v.OK, "restored: %+v", v.FirstBroken)
	})
}

// Deleting the first, a middle or the last event is found; so is deleting
// the last one and moving the head back onto the one before it when a
// checkpoint covers it.
func TestAuditDeletedEventIsFound(t *testing.T) {
	for _, pos := range []string{"first", "middle", "last"} {
		t.Run(pos, func(t *testing.T) {
			storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
				es := keyedChain(t, db, auditKey(t, "delete"))
				i := map[string]int{"first": 0, "middle": len(es) / 2, "last": len(es) - 1}[pos]
				exec(t, db, `DELETE FROM audit_events WHERE seq = ?`, es[i].Seq)
				v := requireBroken(t, db, es[i].Seq, es[i].Seq+1, es[len(es)-1].Seq)
				if pos == "last" {
					require.Equal(t, domain.AuditHeadMismatch, v.FirstBroken.Problem)
				}
			})
		})
	}
}

// Swapping two events' places is found.
func TestAuditReorderedEventsAreFound(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		es := keyedChain(t, db, auditKey(t, "reorder"))
		a, b := es[3].Seq, es[4].Seq
		exec(t, db, `UPDATE audit_events SET seq = -1 WHERE seq = ?`, a)
		exec(t, db, `UPDATE audit_events SET seq = ? WHERE seq = ?`, a, b)
		exec(t, db, `UPDATE audit_events SET seq = ? WHERE seq = -1`, b)
		requireBroken(t, db, a)
	})
}

// An event inserted in the middle (the later ones moved up by one) or
// appended at the end with the head moved, linked properly and hashed
// without the key, is found.
func TestAuditInsertedEventIsFound(t *testing.T) {
	for _, where := range []string{"middle", "end"} {
		for _, rh := range rehashes[1:] {
			t.Run(where+"/"+rh.name, func(t *testing.T) {
				storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
					es := keyedChain(t, db, auditKey(t, "insert"))
					after := es[len(es)/2]
					if where == "end" {
						after = es[len(es)-1]
					} else {
						exec(t, db, `UPDATE audit_events SET seq = -seq WHERE seq > ?`, after.Seq)
						exec(t, db, `UPDATE audit_events SET seq = 1 - seq WHERE seq < 0`)
					}
					forged := &domain.AuditEvent{Seq: after.Seq + 1, ID: "01900000-0000-7000-8000-0000000000aa", OccurredAt: after.OccurredAt,
						ActorName: "mallory", Action: "create", EntityType: "vendor", EntityID: "forged", After: []byte(`{}`),
						PrevHash: after.Hash, KeyID: rh.keyID(after.KeyID)}
					forged.Hash = forged.ComputeHash(rh.key)
					insertEvent(t, db, forged)
					if where == "end" {
						setHead(t, db, forged.Seq, forged.Hash, forged.KeyID)
					} else {
						setHead(t, db, es[len(es)-1].Seq+1, es[len(es)-1].Hash, es[len(es)-1].KeyID)
					}
					requireBroken(t, db, forged.Seq)
				})
			})
		}
	}
}

// rewrite recomputes events es[from:] in place as a tamperer would: each
// linked to the one before, under key (nil: plain SHA-256) with keyID,
// written back with the head moved onto the last.
func rewrite(t *testing.T, db *store.DB, es []*domain.AuditEvent, from int, key *domain.AuditKey, keyID string, edit func(e *domain.AuditEvent)) {
	t.Helper()
	prev := ""
	if from > 0 {
		prev = es[from-1].Hash
	}
	for _, orig := range es[from:] {
		e := *orig
		edit(&e)
		e.PrevHash, e.KeyID = prev, keyID
		if e.Seq == 1 && e.Action == domain.AuditKeyRotated {
			e.EntityID = keyID
		}
		e.Hash = e.ComputeHash(key)
		putEvent(t, db, &e)
		prev = e.Hash
	}
	last := es[len(es)-1]
	setHead(t, db, last.Seq, prev, keyID)
}

func editAfter(e *domain.AuditEvent) {
	if e.EntityType == "vendor" {
		e.After = []byte(`{"name":"書き換えた名前"}`)
	}
}

// Rewriting the tail from the middle on, consistently and with the head
// moved, but without the key, is found at its first event.
func TestAuditRewrittenTailIsFound(t *testing.T) {
	for _, rh := range rehashes[1:] {
		t.Run(rh.name, func(t *testing.T) {
			storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
				es := keyedChain(t, db, auditKey(t, "tail"))
				from := len(es) / 2
				rewrite(t, db, es, from, rh.key, rh.keyID(es[from].KeyID), editAfter)
				requireBroken(t, db, es[from].Seq)
			})
		})
	}
}

// Rewriting the whole chain consistently without the key is found: as
// plain SHA-256 (a legacy chain where the key says there must be a keyed
// one), or under a key of the tamperer's own.
func TestAuditRewrittenChainWithoutTheKeyIsFound(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		es := keyedChain(t, db, auditKey(t, "whole"))
		t.Run("as legacy", func(t *testing.T) {
			rewrite(t, db, es, 0, nil, "", editAfter)
			v := requireBroken(t, db)
			require.Equal(t, domain.AuditUnkeyedTail, v.FirstBroken.Problem)
		})
		t.Run("under another key", func(t *testing.T) {
			rewrite(t, db, es, 0, otherKey, otherKey.ID(), editAfter)
			v := requireBroken(t, db, 1)
			require.Equal(t, domain.AuditUnknownKey, v.FirstBroken.Problem)
		})
	})
}

// Moving the head (its seq, its hash, or both) is found.
func TestAuditMovedHeadIsFound(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		es := keyedChain(t, db, auditKey(t, "head"))
		last := es[len(es)-1]
		for _, c := range []struct {
			name string
			seq  int64
			hash string
		}{
			{"seq back", last.Seq - 1, last.Hash},
			{"seq on", last.Seq + 1, last.Hash},
			{"hash", last.Seq, es[len(es)-2].Hash},
			{"both back", last.Seq - 1, es[len(es)-2].Hash},
		} {
			t.Run(c.name, func(t *testing.T) {
				setHead(t, db, c.seq, c.hash, last.KeyID)
				defer setHead(t, db, last.Seq, last.Hash, last.KeyID)
				v := requireBroken(t, db)
				require.Equal(t, domain.AuditHeadMismatch, v.FirstBroken.Problem)
			})
		}
	})
}

// A tail cut off with the head moved back onto the new last event is a
// chain consistent in itself; the checkpoint signed before finds it.
func TestAuditCutTailContradictsCheckpoint(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := keyedChain(t, db, auditKey(t, "cut"))
		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		cp, created, err := db.RecordAuditCheckpoint(ctx, v)
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, es[len(es)-1].Seq, cp.Seq)

		keep := es[len(es)-3]
		exec(t, db, `DELETE FROM audit_events WHERE seq > ?`, keep.Seq)
		setHead(t, db, keep.Seq, keep.Hash, keep.KeyID)
		v = requireBroken(t, db)
		require.Nil(t, v.FirstBroken, "the chain itself is consistent")
		require.Equal(t, []domain.AuditCheckpointBroken{{Source: "database", Seq: cp.Seq, KeyID: cp.KeyID, Problem: domain.CheckpointMismatch}}, v.CheckpointsBroken)
	})
}

// A rewrite consistent under another key, verified by whoever holds that
// key and the real one as previous (a tamperer who claims a rotation), is
// found by the checkpoints the real key signed: the database's, and the
// folder's once the database's are deleted. A forged checkpoint is found
// too.
func TestAuditRewriteUnderAnotherKeyContradictsCheckpoints(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		real := auditKey(t, "real")
		dir := t.TempDir()
		require.NoError(t, db.UseAuditCheckpointDir(dir))
		es := keyedChain(t, db, real)
		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		cp, created, err := db.RecordAuditCheckpoint(ctx, v)
		require.NoError(t, err)
		require.True(t, created)
		again, created, err := db.RecordAuditCheckpoint(ctx, v)
		require.NoError(t, err)
		require.False(t, created, "one checkpoint a day")
		require.Equal(t, cp.Signature, again.Signature)
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		require.NoError(t, err)
		require.Len(t, files, 1)
		require.NoError(t, domain.VerifyCheckpointSignature(*cp, real.PublicKey()), "an outsider checks it with the public key alone")

		forger := auditKey(t, "forger")
		rewrite(t, db, es, 0, forger, forger.ID(), editAfter)
		db.UseAuditKeys(domain.AuditKeyring{Current: forger, Previous: []*domain.AuditKey{real}})
		v = requireBroken(t, db)
		require.Nil(t, v.FirstBroken, "the rewrite is consistent under the forger's key")
		require.Equal(t, 2, v.CheckpointsChecked)
		require.Len(t, v.CheckpointsBroken, 2)
		for _, b := range v.CheckpointsBroken {
			require.Equal(t, domain.CheckpointMismatch, b.Problem)
			require.Equal(t, real.ID(), b.KeyID)
		}

		exec(t, db, `DELETE FROM audit_checkpoints`)
		v = requireBroken(t, db)
		require.Equal(t, []domain.AuditCheckpointBroken{{Source: filepath.Base(files[0]), Seq: cp.Seq, KeyID: real.ID(), Problem: domain.CheckpointMismatch}}, v.CheckpointsBroken)

		// Without the real key, its checkpoint cannot be trusted or
		// dismissed: unknown_key.
		db.UseAuditKeys(domain.AuditKeyring{Current: forger})
		v = requireBroken(t, db)
		require.Equal(t, domain.CheckpointUnknownKey, v.CheckpointsBroken[0].Problem)

		// A checkpoint the forger signs and drops in the folder to match
		// the rewrite does not hold under the real key's id.
		fake := forger.SignCheckpoint(cp.Seq, "0000", time.Now())
		fake.KeyID = real.ID()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "fake.json"), []byte(fmt.Sprintf(
			`{"seq":%d,"hash":"%s","at":"%s","key_id":"%s","public_key":"%s","signature":"%s"}`,
			fake.Seq, fake.Hash, fake.At.Format(time.RFC3339Nano), fake.KeyID, fake.PublicKey, fake.Signature)), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.json"), []byte("not json"), 0o644))
		db.UseAuditKeys(domain.AuditKeyring{Current: real})
		v = requireBroken(t, db)
		problems := map[string]string{}
		for _, b := range v.CheckpointsBroken {
			problems[b.Source] = b.Problem
		}
		require.Equal(t, domain.CheckpointBadSignature, problems["fake.json"])
		require.Equal(t, domain.CheckpointUnreadable, problems["junk.json"])
	})
}

// Rotating the key keeps the chain verifiable with the old key given as
// previous: an audit_key_rotated event starts the new segment, and the old
// key's checkpoint still holds. Without the old key, the old segment is
// unknown; a process without the new key may not append to it; and the
// chain may not go back to the old key.
func TestAuditKeyRotation(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k1, k2 := auditKey(t, "one"), auditKey(t, "two")
		es := keyedChain(t, db, k1)
		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		_, _, err = db.RecordAuditCheckpoint(ctx, v)
		require.NoError(t, err)

		db.UseAuditKeys(domain.AuditKeyring{Current: k2, Previous: []*domain.AuditKey{k1}})
		rotated, err := db.StartAuditSegment(ctx)
		require.NoError(t, err)
		require.True(t, rotated)
		rotated, err = db.StartAuditSegment(ctx)
		require.NoError(t, err)
		require.False(t, rotated, "once")
		after := allEvents(t, db)
		rot := after[len(es)]
		require.Equal(t, domain.AuditKeyRotated, rot.Action)
		require.Equal(t, k2.ID(), rot.KeyID)
		require.Equal(t, k2.ID(), rot.EntityID)
		require.JSONEq(t, fmt.Sprintf(`{"key_id":%q}`, k1.ID()), string(rot.Before))

		admin := domain.WithActor(ctx, domain.SystemActor)
		_, err = db.CreateDepartment(admin, domain.DepartmentInput{Name: "回転後"})
		require.NoError(t, err)
		v, err = db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, v.OK, "%+v %+v", v.FirstBroken, v.CheckpointsBroken)
		require.Equal(t, k2.ID(), v.KeyID)
		require.Equal(t, 1, v.CheckpointsChecked)

		db.UseAuditKeys(domain.AuditKeyring{Current: k2})
		v = requireBroken(t, db, 1)
		require.Equal(t, domain.AuditUnknownKey, v.FirstBroken.Problem)

		for i, ring := range []domain.AuditKeyring{{Current: k1}, {}} {
			db.UseAuditKeys(ring)
			_, err = db.CreateDepartment(admin, domain.DepartmentInput{Name: fmt.Sprintf("古い鍵%d", i)})
			if db.Kind() == store.SQLite {
				require.Equal(t, domain.EUNAVAILABLE, domain.ErrorCodeOf(err), "a process without the chain's key does not append: %v", err)
				continue
			}
			// On PostgreSQL the write goes ahead unsealed; a process
			// without the segment's key does not seal it.
			require.NoError(t, err)
			_, err = db.SealAudit(ctx)
			require.Equal(t, domain.EUNAVAILABLE, domain.ErrorCodeOf(err), "a process without the chain's key does not seal: %v", err)
		}

		// A process with the key seals those writes in its segment.
		db.UseAuditKeys(domain.AuditKeyring{Current: k2, Previous: []*domain.AuditKey{k1}})
		sealAll(t, db)
		v, err = db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v.FirstBroken)
		require.Equal(t, k2.ID(), v.KeyID)
		require.Zero(t, v.Unsealed)

		// Going back to k1 in the chain, forged by whoever still holds it,
		// is found even by a verifier that knows both keys.
		all := allEvents(t, db)
		last := all[len(all)-1]
		back := &domain.AuditEvent{Seq: last.Seq + 1, ID: "01900000-0000-7000-8000-0000000000bb", OccurredAt: last.OccurredAt,
			ActorName: "system", Action: domain.AuditKeyRotated, EntityType: domain.AuditKeyEntity, EntityID: k1.ID(),
			After: []byte(`{}`), PrevHash: last.Hash, KeyID: k1.ID()}
		back.Hash = back.ComputeHash(k1)
		insertEvent(t, db, back)
		setHead(t, db, back.Seq, back.Hash, back.KeyID)
		v = requireBroken(t, db, back.Seq)
		require.Equal(t, domain.AuditKeyMismatch, v.FirstBroken.Problem)
	})
}

// Events written before keys existed stay valid as the legacy segment that
// the first keyed event closes; rewriting that segment afterwards breaks
// the link of the first keyed event.
func TestAuditLegacySegment(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		sealAll(t, db)
		legacy := allEvents(t, db)
		require.Empty(t, legacy[0].KeyID)
		sum := sha256.Sum256([]byte("x"))
		require.Len(t, legacy[0].Hash, len(hex.EncodeToString(sum[:])))

		key := auditKey(t, "after legacy")
		db.UseAuditKeys(domain.AuditKeyring{Current: key})
		rotated, err := db.StartAuditSegment(ctx)
		require.NoError(t, err)
		require.True(t, rotated)
		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v.FirstBroken)
		require.Equal(t, key.ID(), v.KeyID)

		rewrite(t, db, legacy, 0, nil, "", func(e *domain.AuditEvent) { e.ActorName = "mallory" })
		all := allEvents(t, db)
		last := all[len(all)-1]
		setHead(t, db, last.Seq, last.Hash, last.KeyID)
		requireBroken(t, db, int64(len(legacy)+1))
	})
}

// A verification that runs while others write finds the chain intact:
// events and the head are read by separate statements, and appends that
// land between them are neither a moved head nor a tail past it.
func TestAuditVerificationDuringWritesFindsTheChainIntact(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		keyedChain(t, db, auditKey(t, "concurrent"))
		ctx := domain.WithActor(context.Background(), domain.SystemActor)
		const writers, each = 4, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					if _, err := db.CreateDepartment(ctx, domain.DepartmentInput{Name: fmt.Sprintf("並行%d-%d", w, i)}); err != nil {
						errs <- err
					}
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		verified := 0
		for running := true; running; verified++ {
			select {
			case <-done:
				running = false
			default:
			}
			v, err := db.VerifyAuditChain(context.Background())
			require.NoError(t, err)
			require.True(t, v.OK, "verification %d while writing: %+v", verified, v)
		}
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		v, err := db.VerifyAuditChain(context.Background())
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v)
		t.Logf("%d verifications while %d departments were written", verified, writers*each)
	})
}
