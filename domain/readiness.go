package domain

import "errors"

// ErrMigrationsPending is what a readiness check returns (wrapped) while the
// database's schema is older than the code: the service is not ready, for a
// reason an operator fixes by running the migrations, not an outage.
var ErrMigrationsPending = errors.New("migrations pending")
