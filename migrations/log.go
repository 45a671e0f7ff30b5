package migrations

import (
	"io"
	"log/slog"
)

// discardLogger keeps River's migrator quiet; Apply reports what it did.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
