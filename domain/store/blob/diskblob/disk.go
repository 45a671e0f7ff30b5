// Package diskblob keeps evidence files in a folder on disk: one file per
// key, written to a temporary file in the same folder and renamed into
// place, so a reader never sees half a file and a failed write leaves
// nothing under the key.
package diskblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Store is a folder of blobs.
type Store struct {
	dir string
}

var _ domain.BlobStore = (*Store)(nil)

// New opens (and creates) the folder dir.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("diskblob: empty folder name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("diskblob: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("diskblob: create %s: %w", abs, err)
	}
	return &Store{dir: abs}, nil
}

// Dir returns the folder.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds key; keys that are not
// domain.CheckBlobKey-valid name no file.
func (s *Store) Path(key string) (string, error) {
	if err := domain.CheckBlobKey(key); err != nil {
		return "", fmt.Errorf("diskblob: %w", err)
	}
	return filepath.Join(s.dir, key), nil
}

// Put implements domain.BlobStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	dst, err := s.Path(key)
	if err != nil {
		return 0, err
	}
	// Temporary names start with a dot, which no key does.
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("diskblob: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return n, err
	}
	if err := tmp.Sync(); err != nil {
		return n, fmt.Errorf("diskblob: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("diskblob: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return n, fmt.Errorf("diskblob: rename: %w", err)
	}
	done = true
	return n, nil
}

// ctxReader stops a copy once its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open implements domain.BlobStore.
func (s *Store) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := s.Path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, domain.ErrBlobNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("diskblob: %w", err)
	}
	return f, nil
}

// Stat implements domain.BlobStore.
func (s *Store) Stat(_ context.Context, key string) (int64, error) {
	p, err := s.Path(key)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, domain.ErrBlobNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("diskblob: %w", err)
	}
	return fi.Size(), nil
}

// Delete implements domain.BlobStore.
func (s *Store) Delete(_ context.Context, key string) error {
	p, err := s.Path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("diskblob: %w", err)
	}
	return nil
}

// Keys lists every file in the folder, temporary ones included (a check
// that nothing was left behind), sorted.
func (s *Store) Keys(_ context.Context) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("diskblob: %w", err)
	}
	keys := make([]string, 0, len(entries))
	for _, e := range entries {
		keys = append(keys, e.Name())
	}
	return keys, nil
}
