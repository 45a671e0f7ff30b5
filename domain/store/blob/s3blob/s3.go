// Package s3blob keeps evidence files in an S3-compatible bucket (Amazon
// S3, MinIO, Ceph RGW, …), so that every replica of vendorwatch reads the
// same files.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Config locates the bucket.
type Config struct {
	// Endpoint is host[:port] of the S3 API, without a scheme.
	Endpoint string
	// Bucket must exist.
	Bucket string
	// Prefix is put before every key ("evidence/" for example); may be empty.
	Prefix    string
	AccessKey string
	SecretKey string
	// Region is the bucket's region; empty lets the client ask.
	Region string
	// TLS selects https.
	TLS bool
	// Transport is the HTTP transport; http.DefaultTransport's settings
	// when nil.
	Transport http.RoundTripper
}

// ParseURL reads a bucket address: https://host[:port]/bucket[/prefix]
// (http:// for an endpoint without TLS) with an optional ?region=.
// Credentials are not part of it.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3blob: %q is not a URL", raw)
	}
	var cfg Config
	switch u.Scheme {
	case "https":
		cfg.TLS = true
	case "http":
	default:
		return Config{}, fmt.Errorf("s3blob: the URL must start with https:// (or http:// without TLS), not %q", u.Scheme+"://")
	}
	if u.User != nil {
		return Config{}, errors.New("s3blob: put the access key and secret in their own settings, not in the URL")
	}
	if u.Host == "" {
		return Config{}, errors.New("s3blob: the URL names no host")
	}
	cfg.Endpoint = u.Host
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return Config{}, errors.New("s3blob: the URL names no bucket (https://host/bucket)")
	}
	cfg.Bucket = bucket
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	cfg.Prefix = prefix
	cfg.Region = u.Query().Get("region")
	return cfg, nil
}

// Store is a bucket of blobs.
type Store struct {
	client *minio.Client
	bucket string
	prefix string
}

var _ domain.BlobStore = (*Store)(nil)

// PartSize is the part of a streamed upload that is held in memory at a
// time: a file of unknown length goes up in parts of this size.
const PartSize = 8 << 20

// New connects to the bucket and checks that it exists.
func New(ctx context.Context, cfg Config) (*Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.TLS,
		Region:    cfg.Region,
		Transport: cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3blob: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3blob: bucket %s does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	return &Store{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

func (s *Store) object(key string) (string, error) {
	if err := domain.CheckBlobKey(key); err != nil {
		return "", fmt.Errorf("s3blob: %w", err)
	}
	return s.prefix + key, nil
}

// Put implements domain.BlobStore. A body of up to PartSize goes up in one
// request; a longer one streams up in parts of PartSize. A reader that
// fails aborts the upload, so nothing is left.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	name, err := s.object(key)
	if err != nil {
		return 0, err
	}
	var head bytes.Buffer
	size := int64(-1)
	var body io.Reader
	switch _, err := io.CopyN(&head, r, PartSize); {
	case errors.Is(err, io.EOF):
		size, body = int64(head.Len()), bytes.NewReader(head.Bytes())
	case err != nil:
		return 0, err
	default:
		body = io.MultiReader(&head, r)
	}
	info, err := s.client.PutObject(ctx, s.bucket, name, body, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream", PartSize: PartSize,
	})
	if err != nil {
		_ = s.client.RemoveObject(context.WithoutCancel(ctx), s.bucket, name, minio.RemoveObjectOptions{})
		return 0, fmt.Errorf("s3blob: put %s: %w", key, err)
	}
	return info.Size, nil
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// Open implements domain.BlobStore.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("s3blob: get %s: %w", key, err)
	}
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		if notFound(err) {
			return nil, domain.ErrBlobNotFound
		}
		return nil, fmt.Errorf("s3blob: get %s: %w", key, err)
	}
	return obj, nil
}

// Stat implements domain.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	name, err := s.object(key)
	if err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		if notFound(err) {
			return 0, domain.ErrBlobNotFound
		}
		return 0, fmt.Errorf("s3blob: stat %s: %w", key, err)
	}
	return info.Size, nil
}

// Delete implements domain.BlobStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("s3blob: delete %s: %w", key, err)
	}
	return nil
}

// Keys lists every key under the store's prefix.
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("s3blob: list: %w", obj.Err)
		}
		keys = append(keys, strings.TrimPrefix(obj.Key, s.prefix))
	}
	return keys, nil
}
