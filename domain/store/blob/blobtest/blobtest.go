// Package blobtest holds what the tests of every domain.BlobStore share:
// one conformance test, and the two stores on real storage (a temporary
// folder, and an S3-compatible server on loopback).
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/diskblob"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/s3blob"
)

// Disk returns a store in a temporary folder.
func Disk(t testing.TB) *diskblob.Store {
	t.Helper()
	s, err := diskblob.New(t.TempDir())
	require.NoError(t, err)
	return s
}

// S3Server starts a real S3-compatible server (gofakes3, in memory) on
// 127.0.0.1 over TLS with one bucket, for the test's lifetime, and returns
// how to reach it. (Over TLS the client sends part bodies unsigned, which
// gofakes3 reads; without it, minio-go's chunk-signed parts reach gofakes3's
// multipart upload undecoded.)
func S3Server(t testing.TB) s3blob.Config {
	t.Helper()
	backend := s3mem.New()
	const bucket = "vendorwatch-evidence"
	require.NoError(t, backend.CreateBucket(bucket))
	faker := gofakes3.New(backend)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(faker.Server())
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return s3blob.Config{
		Endpoint: strings.TrimPrefix(srv.URL, "https://"), Bucket: bucket, Prefix: "evidence/",
		AccessKey: "test-access", SecretKey: "test-secret", Region: "us-east-1", TLS: true,
		Transport: srv.Client().Transport,
	}
}

// S3 returns a store on a fresh S3Server.
func S3(t testing.TB) *s3blob.Store {
	t.Helper()
	s, err := s3blob.New(context.Background(), S3Server(t))
	require.NoError(t, err)
	return s
}

// failingReader yields some bytes and then fails.
type failingReader struct {
	data []byte
}

var errBroken = errors.New("connection broke")

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errBroken
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// Conformance checks what every BlobStore must do.
func Conformance(t *testing.T, bs domain.BlobStore) {
	ctx := context.Background()
	read := func(t *testing.T, key string) []byte {
		t.Helper()
		rc, err := bs.Open(ctx, key)
		require.NoError(t, err)
		defer func() { _ = rc.Close() }()
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		return b
	}

	t.Run("round trip", func(t *testing.T) {
		data := []byte("契約書の写し\n")
		n, err := bs.Put(ctx, "019a0000-0000-7000-8000-000000000001", bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), n)
		require.Equal(t, data, read(t, "019a0000-0000-7000-8000-000000000001"))
		size, err := bs.Stat(ctx, "019a0000-0000-7000-8000-000000000001")
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), size)
	})

	t.Run("large file in several parts", func(t *testing.T) {
		data := bytes.Repeat([]byte("0123456789abcdef"), (s3blob.PartSize+s3blob.PartSize/2)/16)
		n, err := bs.Put(ctx, "large", bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), n)
		require.Equal(t, data, read(t, "large"))
	})

	t.Run("empty file", func(t *testing.T) {
		_, err := bs.Put(ctx, "empty", bytes.NewReader(nil))
		require.NoError(t, err)
		require.Empty(t, read(t, "empty"))
	})

	t.Run("a second put replaces the bytes", func(t *testing.T) {
		_, err := bs.Put(ctx, "again", strings.NewReader("first"))
		require.NoError(t, err)
		_, err = bs.Put(ctx, "again", strings.NewReader("second"))
		require.NoError(t, err)
		require.Equal(t, "second", string(read(t, "again")))
	})

	t.Run("missing keys", func(t *testing.T) {
		_, err := bs.Open(ctx, "never-written")
		require.ErrorIs(t, err, domain.ErrBlobNotFound)
		_, err = bs.Stat(ctx, "never-written")
		require.ErrorIs(t, err, domain.ErrBlobNotFound)
		require.NoError(t, bs.Delete(ctx, "never-written"), "deleting what is gone is no error")
	})

	t.Run("delete", func(t *testing.T) {
		_, err := bs.Put(ctx, "to-delete", strings.NewReader("x"))
		require.NoError(t, err)
		require.NoError(t, bs.Delete(ctx, "to-delete"))
		_, err = bs.Stat(ctx, "to-delete")
		require.ErrorIs(t, err, domain.ErrBlobNotFound)
	})

	t.Run("a failing reader leaves nothing behind", func(t *testing.T) {
		_, err := bs.Put(ctx, "broken", &failingReader{data: []byte("half a file")})
		require.Error(t, err)
		_, err = bs.Stat(ctx, "broken")
		require.ErrorIs(t, err, domain.ErrBlobNotFound)
	})

	t.Run("keys cannot leave the store", func(t *testing.T) {
		for _, key := range []string{"", "../escape", "a/b", `a\b`, ".hidden", "UPPER", "/abs", "..", strings.Repeat("a", 201)} {
			_, err := bs.Put(ctx, key, strings.NewReader("x"))
			require.Error(t, err, "key %q", key)
			_, err = bs.Open(ctx, key)
			require.Error(t, err, "key %q", key)
			require.NotErrorIs(t, err, domain.ErrBlobNotFound, "key %q", key)
			require.Error(t, bs.Delete(ctx, key), "key %q", key)
		}
	})
}
