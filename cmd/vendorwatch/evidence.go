package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/diskblob"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/s3blob"
)

// evidenceConfig says where evidence files are kept: a folder on disk by
// default, or an S3-compatible bucket (which every replica shares).
type evidenceConfig struct {
	Dir         string
	S3URL       string
	S3AccessKey string
	S3SecretKey string
	S3Region    string
}

func (c *evidenceConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Dir, "evidence-dir", "", "folder for evidence files; \"evidence\" beside the SQLite file (or in the working folder for PostgreSQL) when empty")
	fs.StringVar(&c.S3URL, "evidence-s3-url", "", "keep evidence files in an S3-compatible bucket instead: https://host[:port]/bucket[/prefix] (http:// without TLS), optionally ?region=")
	fs.StringVar(&c.S3AccessKey, "evidence-s3-access-key", "", "access key of the evidence bucket")
	fs.StringVar(&c.S3SecretKey, "evidence-s3-secret-key", "", "secret key of the evidence bucket (better set by VENDORWATCH_EVIDENCE_S3_SECRET_KEY)")
	fs.StringVar(&c.S3Region, "evidence-s3-region", "", "region of the evidence bucket; overrides ?region= of --evidence-s3-url")
}

// blobStore opens the configured store and describes it for the log.
func (c *evidenceConfig) blobStore(ctx context.Context, databaseURL string) (domain.BlobStore, string, error) {
	if c.S3URL != "" {
		if c.Dir != "" {
			return nil, "", errors.New("--evidence-dir and --evidence-s3-url are exclusive: choose one place for evidence files")
		}
		cfg, err := s3blob.ParseURL(c.S3URL)
		if err != nil {
			return nil, "", fmt.Errorf("--evidence-s3-url: %s", strings.TrimPrefix(err.Error(), "s3blob: "))
		}
		cfg.AccessKey, cfg.SecretKey = c.S3AccessKey, c.S3SecretKey
		if c.S3Region != "" {
			cfg.Region = c.S3Region
		}
		s, err := s3blob.New(ctx, cfg)
		if err != nil {
			return nil, "", fmt.Errorf("--evidence-s3-url: %s", strings.TrimPrefix(err.Error(), "s3blob: "))
		}
		scheme := "http"
		if cfg.TLS {
			scheme = "https"
		}
		return s, "s3 " + scheme + "://" + cfg.Endpoint + "/" + cfg.Bucket + "/" + cfg.Prefix, nil
	}
	dir := c.Dir
	if dir == "" {
		dir = "evidence"
		if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
			file := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite://"), "file:")
			if i := strings.IndexByte(file, '?'); i >= 0 {
				file = file[:i]
			}
			dir = filepath.Join(filepath.Dir(file), "evidence")
		}
	}
	s, err := diskblob.New(dir)
	if err != nil {
		return nil, "", fmt.Errorf("--evidence-dir: %s", strings.TrimPrefix(err.Error(), "diskblob: "))
	}
	return s, "folder " + s.Dir(), nil
}

// runVerify verifies the audit chain and re-hashes every evidence file,
// printing the result as JSON; it fails when anything is broken.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dbConfig
	var ev evidenceConfig
	var audit auditConfig
	fs := flag.NewFlagSet("vendorwatch verify", flag.ContinueOnError)
	cfg.register(fs)
	ev.register(fs)
	audit.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if err := useEvidenceStore(ctx, db, ev, cfg.DatabaseURL); err != nil {
		return err
	}
	if err := audit.useAudit(db, cfg.DatabaseURL, false, func(s string) { fmt.Fprintln(stderr, "vendorwatch:", s) }); err != nil {
		return err
	}
	v, err := db.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("verification failed: %s", verifyProblem(v))
	}
	return nil
}

func verifyProblem(v domain.AuditVerification) string {
	var parts []string
	if v.FirstBroken != nil {
		parts = append(parts, fmt.Sprintf("the audit chain breaks at event %d (%s)", v.FirstBroken.Seq, v.FirstBroken.Problem))
	}
	if len(v.CheckpointsBroken) > 0 {
		parts = append(parts, fmt.Sprintf("%d signed checkpoints do not agree with the chain (first: seq %d, %s, %s)",
			len(v.CheckpointsBroken), v.CheckpointsBroken[0].Seq, v.CheckpointsBroken[0].Source, v.CheckpointsBroken[0].Problem))
	}
	if len(v.FilesBroken) > 0 {
		parts = append(parts, fmt.Sprintf("%d evidence files do not match their SHA-256 or are missing", len(v.FilesBroken)))
	}
	return strings.Join(parts, "; ")
}

// useEvidenceStore opens the configured blob store and gives it to db.
func useEvidenceStore(ctx context.Context, db *store.DB, ev evidenceConfig, databaseURL string) error {
	bs, _, err := ev.blobStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	db.UseBlobStore(bs)
	return nil
}
