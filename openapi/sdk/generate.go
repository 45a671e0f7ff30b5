// Package sdk is the Go client of the vendorwatch API, generated from
// openapi/openapi-3.0.yaml by oapi-codegen. Method names are the operation
// IDs (list-contracts becomes ListContracts); every method has a
// ...WithResponse variant that decodes the documented answers.
//
// Regenerate with `go generate ./openapi/sdk` after changing the API; CI
// fails when the committed code differs from what the generator makes.
package sdk

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../openapi-3.0.yaml
