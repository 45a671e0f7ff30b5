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
	// jobWorkers is how many jobs serve runs at once, for the size of the
	// PostgreSQL pool (store.Options.JobWorkers); 0 for commands that run
	// no jobs.
	jobWorkers int
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
		return nil, usagef("unknown time zone %q (use an IANA name such as Asia/Tokyo)", c.Timezone)
	}
	return loc, nil
}

// logger builds the process logger on stderr.
func (c *dbConfig) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, usagef("unknown log level %q (use debug, info, warn or error)", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, usagef("unknown log format %q (use text or json)", c.LogFormat)
}

// parseFlags parses args after applying VENDORWATCH_* variables (and the
// files VENDORWATCH_*_FILE name) as defaults, so that an explicit flag wins
// over the environment. Every mistake in how the command was called is a
// usage error (exit status 2).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	// The flag package prints the mistake; the whole list of flags after
	// it would bury it, so a mistake gets a pointer to help instead.
	fs.Usage = func() {}
	if err := applyEnvironment(fs); err != nil {
		return usageError{err}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs)
			return errHelpShown
		}
		fmt.Fprintf(stderr, "Run \"vendorwatch help %s\" for its flags.\n", commandOf(fs))
		return errUsageShown
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (run \"vendorwatch help %s\")", fs.Arg(0), commandOf(fs))
	}
	return nil
}

// envName is the environment variable that sets a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fileSuffix turns a flag's variable into the one that names a file holding
// its value: secrets mounted as files (Docker and Kubernetes secrets) stay
// out of the environment, which /proc and crash reports show.
const fileSuffix = "_FILE"

// maxFlagFile bounds what a VENDORWATCH_*_FILE may hold: a secret or a URL,
// not a log file named by mistake.
const maxFlagFile = 64 << 10

// applyEnvironment sets each flag from VENDORWATCH_<FLAG>, or from the
// content of the file VENDORWATCH_<FLAG>_FILE names (one trailing newline
// trimmed); both set is an error. Values never appear in the errors: they
// may be secrets.
func applyEnvironment(fs *flag.FlagSet) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v, inEnv := os.LookupEnv(name)
		file, inFile := os.LookupEnv(name + fileSuffix)
		switch {
		case inEnv && inFile:
			errs = append(errs, fmt.Errorf("%s and %s are both set; set one", name, name+fileSuffix))
			return
		case inFile:
			raw, err := readFlagFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name+fileSuffix, err))
				return
			}
			v, name = raw, name+fileSuffix
		case !inEnv:
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid value for --%s: %v", name, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// readFlagFile reads a flag's value from a file, without its final newline.
func readFlagFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	raw, err := io.ReadAll(io.LimitReader(f, maxFlagFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the file: %w", err)
	}
	if len(raw) > maxFlagFile {
		return "", fmt.Errorf("the file is larger than %d KiB", maxFlagFile>>10)
	}
	s := strings.TrimSuffix(string(raw), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// commandOf is the command a flag set belongs to ("serve", "token create").
func commandOf(fs *flag.FlagSet) string { return strings.TrimPrefix(fs.Name(), "vendorwatch ") }

// printUsage prints a command's usage line, what it does, and its flags,
// each with the environment variable that sets it.
func printUsage(fs *flag.FlagSet) {
	out := fs.Output()
	cmd := commandOf(fs)
	fmt.Fprintf(out, "Usage: vendorwatch %s [flags]\n\n", cmd)
	if c, ok := commandByName(cmd); ok {
		fmt.Fprintf(out, "%s\n\n", c.summary)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		fmt.Fprintln(out, "No flags.")
		return
	}
	fmt.Fprintln(out, "Flags:")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(out, "%s\n      %s", line, usage)
		if !isZeroDefault(f) {
			if kind == "string" {
				fmt.Fprintf(out, " (default %q)", f.DefValue)
			} else {
				fmt.Fprintf(out, " (default %s)", f.DefValue)
			}
		}
		fmt.Fprintf(out, " (env %s)\n", envName(f.Name))
	})
	fmt.Fprintf(out, "\nEach flag can also be set by its environment variable, or by VENDORWATCH_<FLAG>%s naming a\n"+
		"file that holds the value (for secrets; one trailing newline is trimmed). A flag on the command line wins.\n", fileSuffix)
}

// isZeroDefault reports whether a flag's default is its type's zero value,
// which the usage leaves unsaid.
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false":
		return true
	}
	return false
}

// usageError is a mistake in how the command was called (an unknown
// command or flag, an unexpected argument, a bad flag value): exit status
// 2, where a failure at run time is 1.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef makes a usageError.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }
