// Package sdk is the Go client of the vendorwatch API, generated from
// openapi/openapi-3.0.yaml by oapi-codegen. Method names are the operation
// IDs (list-contracts becomes ListContracts); every method has a
// ...WithResponse variant that decodes the documented answers.
//
// It is a module of its own (go get github.com/vendorwatch/vendorwatch/openapi/sdk):
// a tool that uses it depends on oapi-codegen's runtime only, not on the
// server's dependencies. ProblemOf turns an error answer (an RFC 9457
// problem) into a *Problem, which is also an error; see Example_handlingErrors.
//
// Regenerate with `go generate ./...` in this folder after changing the API
// (the generator's version is pinned below); CI fails when the committed
// code differs from what the generator makes.
package sdk

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../openapi-3.0.yaml
