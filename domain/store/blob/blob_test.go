package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/s3blob"
)

func TestDiskConformance(t *testing.T) {
	s := blobtest.Disk(t)
	blobtest.Conformance(t, s)
	entries, err := os.ReadDir(s.Dir())
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), ".tmp-"), "no temporary file is left: %s", e.Name())
	}
	_, err = os.Stat(filepath.Join(filepath.Dir(s.Dir()), "escape"))
	require.True(t, os.IsNotExist(err), "nothing was written outside the folder")
}

func TestS3Conformance(t *testing.T) {
	blobtest.Conformance(t, blobtest.S3(t))
}

func TestS3RefusesAMissingBucket(t *testing.T) {
	cfg := blobtest.S3Server(t)
	cfg.Bucket = "no-such-bucket"
	_, err := s3blob.New(context.Background(), cfg)
	require.ErrorContains(t, err, "does not exist")
}

func TestParseS3URL(t *testing.T) {
	cfg, err := s3blob.ParseURL("https://s3.ap-northeast-1.amazonaws.com/vw-files/evidence?region=ap-northeast-1")
	require.NoError(t, err)
	require.Equal(t, s3blob.Config{Endpoint: "s3.ap-northeast-1.amazonaws.com", Bucket: "vw-files", Prefix: "evidence/", Region: "ap-northeast-1", TLS: true}, cfg)
	cfg, err = s3blob.ParseURL("http://127.0.0.1:9000/files")
	require.NoError(t, err)
	require.Equal(t, s3blob.Config{Endpoint: "127.0.0.1:9000", Bucket: "files"}, cfg)
	for _, bad := range []string{"ftp://x/b", "https://x", "https://key:secret@x/b", "https:///b"} {
		_, err := s3blob.ParseURL(bad)
		require.Error(t, err, bad)
	}
}
