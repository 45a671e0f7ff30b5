package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
)

// auditConfig is how the audit chain is keyed and where its checkpoints
// go: every command that writes or verifies the chain takes it.
type auditConfig struct {
	Key          string
	KeyFile      string
	Previous     string
	PreviousFile string
	// CheckpointDir is where checkpoints are written (serve) and read back
	// (serve, verify).
	CheckpointDir string
}

func (c *auditConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Key, "audit-key", "", "secret that keys the audit chain (HMAC-SHA-256) and signs its checkpoints (Ed25519), at least 16 characters; better set by VENDORWATCH_AUDIT_KEY or --audit-key-file. Required on PostgreSQL; on SQLite a generated one is kept beside the database file")
	fs.StringVar(&c.KeyFile, "audit-key-file", "", "file holding the audit key (instead of --audit-key)")
	fs.StringVar(&c.Previous, "audit-key-previous", "", "earlier audit keys, comma-separated, under which older segments of the chain and their checkpoints still verify after a rotation")
	fs.StringVar(&c.PreviousFile, "audit-key-previous-file", "", "file holding earlier audit keys, one a line (instead of --audit-key-previous)")
	fs.StringVar(&c.CheckpointDir, "audit-checkpoint-dir", "", "folder the daily signed audit checkpoints are written to and read back from by verify, as JSON files; best on another volume or write-once storage. Empty: the database only")
}

// auditKeyFileMode is the key file's permission: the owner only.
const auditKeyFileMode = 0o600

// sqliteKeyFile is where the generated key of a SQLite database is kept:
// beside the database file.
func sqliteKeyFile(databaseURL string) string {
	file := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite://"), "file:")
	if i := strings.IndexByte(file, '?'); i >= 0 {
		file = file[:i]
	}
	return file + ".audit-key"
}

// keyring reads the configured keys. Without one: on PostgreSQL an error,
// since every replica must chain under the same key; on SQLite the key
// kept beside the database file, generated on first use when generate is
// set (commands that write), or none (the legacy, unkeyed chain) for verify
// of a database that never had one. note receives what to tell the
// operator (the generated key file).
func (c *auditConfig) keyring(db *store.DB, databaseURL string, generate bool, note func(string)) (domain.AuditKeyring, error) {
	var ring domain.AuditKeyring
	secret := c.Key
	if c.KeyFile != "" {
		b, err := os.ReadFile(c.KeyFile)
		if err != nil {
			return ring, fmt.Errorf("--audit-key-file: %w", err)
		}
		// VENDORWATCH_AUDIT_KEY_FILE may also have set --audit-key to the
		// file's content (the generic VENDORWATCH_<FLAG>_FILE reading):
		// the same key twice is fine.
		if secret != "" && strings.TrimSpace(secret) != strings.TrimSpace(string(b)) {
			return ring, errors.New("--audit-key and --audit-key-file are exclusive: give the key once")
		}
		secret = string(b)
	}
	if strings.TrimSpace(secret) == "" {
		if db.Kind() == store.Postgres {
			return ring, errors.New("--audit-key (or VENDORWATCH_AUDIT_KEY, or --audit-key-file) is required on PostgreSQL: " +
				"every replica must chain the audit log under the same key, kept outside the database")
		}
		var err error
		if secret, err = sqliteAuditKey(sqliteKeyFile(databaseURL), generate, note); err != nil {
			return ring, err
		}
	}
	if strings.TrimSpace(secret) != "" {
		k, err := domain.NewAuditKey(secret)
		if err != nil {
			return ring, fmt.Errorf("--audit-key: %w", err)
		}
		ring.Current = k
	}
	list := c.Previous
	if c.PreviousFile != "" {
		b, err := os.ReadFile(c.PreviousFile)
		if err != nil {
			return ring, fmt.Errorf("--audit-key-previous-file: %w", err)
		}
		list += "\n" + string(b)
	}
	seen := map[string]bool{}
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == '\n' }) {
		if strings.TrimSpace(p) == "" || seen[strings.TrimSpace(p)] {
			continue
		}
		seen[strings.TrimSpace(p)] = true
		k, err := domain.NewAuditKey(p)
		if err != nil {
			return ring, fmt.Errorf("--audit-key-previous: %w", err)
		}
		ring.Previous = append(ring.Previous, k)
	}
	return ring, nil
}

// sqliteAuditKey reads the key file beside a SQLite database, creating it
// with a random key (256 bits, hex) when missing and generate is set.
func sqliteAuditKey(path string, generate bool, note func(string)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return string(b), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("audit key file: %w", err)
	}
	if !generate {
		note("no audit key: verifying the chain as unkeyed (give --audit-key, or keep " + path + ")")
		return "", nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, auditKeyFileMode)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it meanwhile: use that one.
		return sqliteAuditKey(path, false, note)
	}
	if err != nil {
		return "", fmt.Errorf("audit key file: %w", err)
	}
	_, werr := f.WriteString(key + "\n")
	serr := f.Sync()
	if err := errors.Join(werr, serr, f.Close()); err != nil {
		return "", fmt.Errorf("audit key file: %w", err)
	}
	note("generated the audit key in " + path + " (keep a copy elsewhere: without it the chain cannot be verified)")
	return key, nil
}

// useAudit gives db its audit keys and checkpoint folder.
func (c *auditConfig) useAudit(db *store.DB, databaseURL string, generate bool, note func(string)) error {
	ring, err := c.keyring(db, databaseURL, generate, note)
	if err != nil {
		return err
	}
	db.UseAuditKeys(ring)
	if err := db.UseAuditCheckpointDir(c.CheckpointDir); err != nil {
		return fmt.Errorf("--audit-checkpoint-dir: %s", strings.TrimPrefix(err.Error(), "store: "))
	}
	return nil
}

// startAuditSegment records a rotation to the current key at start (see
// store.StartAuditSegment), and logs the key id and the public key that
// checks the checkpoints.
func startAuditSegment(ctx context.Context, db *store.DB, log *slog.Logger) error {
	rotated, err := db.StartAuditSegment(ctx)
	if err != nil {
		return fmt.Errorf("start the audit key segment: %w", err)
	}
	k := db.AuditKeys().Current
	if k == nil {
		return nil
	}
	if rotated {
		log.Info("audit chain continues under a new key", "key_id", k.ID())
	}
	log.Info("audit chain keyed", "key_id", k.ID(), "checkpoint_public_key", base64.StdEncoding.EncodeToString(k.PublicKey()))
	return nil
}
