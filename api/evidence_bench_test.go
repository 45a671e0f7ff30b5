package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// BenchmarkEvidenceUpload uploads a 20 MiB PDF through the API into the
// disk store. The body streams: the server's heap grows by far less than
// the file (peak-heap-MiB), whatever B/op says of the client's buffers.
//
//	go test ./api -run '^$' -bench EvidenceUpload -benchtime 5x
func BenchmarkEvidenceUpload(b *testing.B) {
	for _, tg := range storetest.Targets(b) {
		db := storetest.Open(b, tg, storetest.Options{})
		b.Run(tg.Name, func(b *testing.B) {
			db.UseBlobStore(blobtest.Disk(b))
			ctx := context.Background()
			first, err := db.SeedIfEmpty(ctx)
			require.NoError(b, err)
			if first.Secret == "" {
				_, secret, err := db.CreateToken(domain.WithActor(ctx, domain.SystemActor), domain.TokenInput{PersonID: firstPerson(b, db), Role: domain.RoleAdmin})
				require.NoError(b, err)
				first.Secret = secret
				first.Person, err = db.FindPerson(ctx, firstPerson(b, db))
				require.NoError(b, err)
			}
			actx := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
			v, err := db.CreateVendor(actx, domain.VendorInput{Name: "計測株式会社", OwnerID: first.Person.ID})
			require.NoError(b, err)
			srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
			defer srv.Close()

			var form bytes.Buffer
			mw := multipart.NewWriter(&form)
			require.NoError(b, mw.WriteField("subject_type", "vendor"))
			require.NoError(b, mw.WriteField("subject_id", v.ID))
			fw, err := mw.CreateFormFile("file", "big.pdf")
			require.NoError(b, err)
			_, _ = fw.Write(apiPDF)
			_, _ = fw.Write(bytes.Repeat([]byte("0123456789abcdef"), (20<<20-len(apiPDF)-1)/16))
			require.NoError(b, mw.Close())
			body := form.Bytes()

			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for range b.N {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/evidence-files", bytes.NewReader(body))
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+first.Secret)
				done := make(chan struct{})
				go func() {
					var m runtime.MemStats
					for {
						select {
						case <-done:
							return
						default:
						}
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > base && m.HeapAlloc-base > peak {
							peak = m.HeapAlloc - base
						}
					}
				}()
				res, err := http.DefaultClient.Do(req)
				close(done)
				require.NoError(b, err)
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				require.Equal(b, http.StatusCreated, res.StatusCode)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// firstPerson is the seeded administrator's id.
func firstPerson(b *testing.B, db interface {
	ListPeople(context.Context, domain.PersonFilter, domain.PageRequest) (domain.Page[*domain.Person], error)
}) string {
	page, err := db.ListPeople(context.Background(), domain.PersonFilter{}, domain.PageRequest{Limit: 1})
	require.NoError(b, err)
	require.NotEmpty(b, page.Items)
	return page.Items[0].ID
}
