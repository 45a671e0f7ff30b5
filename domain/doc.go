// Package domain is vendorwatch's model: entities, value types, rules,
// catalogues, error codes and the service interfaces that the HTTP API, the
// background jobs and the CLI call.
//
// It imports no HTTP, no SQL driver and no job queue, so that every rule can be
// tested as a plain function. The services are implemented in domain/store.
package domain
