package benchmark_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWrites sends POST /v1/vendors from 1, 4 and 16 clients for
// VW_BENCH_SECONDS each and reports writes/s. On PostgreSQL the sealer
// runs every second meanwhile, as serve's periodic job does, so its cost
// is in the figure; after each run everything is sealed and the chain
// verified intact. There is no baseline: the goal is a rate (issue 16:
// at least 1,500 writes/s at 16 connections on PostgreSQL, rising with
// connections). Run with -benchtime=1x; -count=5 for medians.
func BenchmarkWrites(b *testing.B) {
	for _, name := range targets() {
		b.Run(name, func(b *testing.B) {
			f := fixtureOf(b, name)
			for _, clients := range []int{1, 4, 16} {
				b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
					var rate float64
					for range b.N {
						writeLoad(b, f, clients, slice) // connections, statements
						n, took := writeLoad(b, f, clients, time.Duration(seconds)*time.Second)
						rate = float64(n) / took.Seconds()
					}
					b.ReportMetric(rate, "writes/s")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

var vendorSeq atomic.Int64

// writeLoad creates vendors from clients clients for d, with the sealer
// running on PostgreSQL, then seals and verifies the chain; it returns how
// many were created in how long.
func writeLoad(b *testing.B, f *fixture, clients int, d time.Duration) (int64, time.Duration) {
	ctx := context.Background()
	stopSealer := make(chan struct{})
	sealerDone := make(chan struct{})
	go func() {
		defer close(sealerDone)
		if f.kind != "postgres" {
			return
		}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopSealer:
				return
			case <-t.C:
				if _, err := f.db.SealAudit(ctx); err != nil {
					b.Errorf("seal: %v", err)
				}
			}
		}
	}()
	client := &http.Client{Transport: transport}
	var n, failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("書込株式会社 %d", vendorSeq.Add(1)), "owner_id": f.Owner})
				req, _ := http.NewRequest(http.MethodPost, f.service+"/v1/vendors", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+f.Secret)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				msg, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, res.Status+" "+string(msg))
					continue
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(stopSealer)
	<-sealerDone
	if failed.Load() > 0 {
		b.Fatalf("%d writes failed, the first with %v", failed.Load(), firstErr.Load())
	}
	if _, err := f.db.SealAudit(ctx); err != nil {
		b.Fatalf("seal: %v", err)
	}
	v, err := f.db.VerifyAuditChain(ctx)
	must(b, err)
	if !v.OK || v.Unsealed != 0 {
		b.Fatalf("the audit chain after the writes: %+v", v)
	}
	return n.Load(), took
}
