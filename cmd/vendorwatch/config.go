package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/vendorwatch/vendorwatch/domain/store"
)

// envPrefix starts every environment variable that sets a flag.
const envPrefix = "VENDORWATCH_"

// dbConfig is what every command that opens the database needs.
type dbConfig struct {
	DatabaseURL string
	Timezone    string
	LogLevel    string
	LogFormat   string
	// StatementTimeout and LockTimeout are PostgreSQL's; 0 turns one off.
	StatementTimeout time.Duration
	LockTimeout      time.Duration
}

func (c *dbConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", "vendorwatch.db", "a postgres:// URL, or the path of a SQLite file")
	fs.StringVar(&c.Timezone, "timezone", "Asia/Tokyo", "the body's time zone for calendar dates")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.DurationVar(&c.StatementTimeout, "db-statement-timeout", store.DefaultStatementTimeout, "PostgreSQL statement_timeout of every connection (0 turns it off)")
	fs.DurationVar(&c.LockTimeout, "db-lock-timeout", store.DefaultLockTimeout, "PostgreSQL lock_timeout of every connection (0 turns it off)")
}

// storeTimeout is a timeout flag as store.Options takes it: 0 (off) becomes
// negative, since zero there means the default.
func storeTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// location loads the configured time zone.
func (c *dbConfig) location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (use an IANA name such as Asia/Tokyo)", c.Timezone)
	}
	return loc, nil
}

// logger builds the process logger on stderr.
func (c *dbConfig) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("unknown log level %q (use debug, info, warn or error)", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (use text or json)", c.LogFormat)
}

// parseFlags parses args after applying VENDORWATCH_* variables as defaults,
// so that an explicit flag wins over the environment.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelpShown
		}
		return errUsageShown
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
