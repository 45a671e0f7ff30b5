package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/google/uuid"

	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// How a tool handles the API's error answers (RFC 9457 problems): a 422
// with the offending fields, a 404, a 412 when the record changed since it
// was read, and an answer without errors (here a proxy's HTML page).
// ProblemOf turns any of them into a *sdk.Problem, which is also an error.
func Example_handlingErrors() {
	baseURL, stop := cannedAPI() // answers as vendorwatch does; see below
	defer stop()
	client, err := sdk.NewClientWithResponses(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// 422: the request broke the schema or a rule; each field is listed.
	name, number := "", "123"
	created, err := client.CreateVendorWithResponse(ctx, nil, sdk.VendorInput{Name: name, CorporateNumber: &number})
	if err != nil {
		log.Fatal(err) // no answer at all (connection refused, timeout)
	}
	if p, ok := sdk.ProblemOf(created.HTTPResponse, created.Body); ok && p.Status == http.StatusUnprocessableEntity {
		fmt.Println("not created:", p.Detail)
		for _, f := range p.Errors {
			fmt.Printf("  %s: %s\n", f.Location, f.Message)
		}
	}

	// 404: a problem without errors; Errors is nil, Detail says what.
	got, err := client.GetVendorWithResponse(ctx, uuid.MustParse("7a0d9a8c-3a55-4f3e-9f0e-1e6c5b1a2b3c"))
	if err != nil {
		log.Fatal(err)
	}
	if p, ok := sdk.ProblemOf(got.HTTPResponse, got.Body); ok && p.Status == http.StatusNotFound {
		fmt.Printf("gone: %s (%d field errors)\n", p.Detail, len(p.Errors))
	}

	// 412: the department changed since its ETag was read. A tool's
	// function returns the problem as its error; the caller tells the
	// cases apart with errors.As and reads the record again.
	err = renameDepartment(ctx, client, uuid.MustParse("01a252a3-67c8-7dc7-8d0f-c523d7ebf901"), `"7"`, "管理者事務部局")
	var p *sdk.Problem
	if errors.As(err, &p) && p.Status == http.StatusPreconditionFailed {
		fmt.Println("changed meanwhile:", p.Detail)
	}

	// Not a problem at all: a proxy in front of the API answered 502 with
	// an HTML page. ProblemOf still gives the status and its text.
	err = renameDepartment(ctx, client, uuid.MustParse("0b8c2f30-5d7e-4c1a-9a0b-6f3e2d1c0b9a"), `"1"`, "議会事務局")
	fmt.Println(err)

	// Output:
	// not created: validation failed
	//   body.corporate_number: expected string to match pattern ^[0-9０-９]{13}$
	//   body.name: expected length >= 1
	// gone: vendor 7a0d9a8c-3a55-4f3e-9f0e-1e6c5b1a2b3c not found (0 field errors)
	// changed meanwhile: department is at version 1, not 7: read it again and reapply your change
	// rename department: 502 Bad Gateway
}

// renameDepartment replaces a department's name if it is still at the
// version etag names; an error answer comes back as a *sdk.Problem.
func renameDepartment(ctx context.Context, client *sdk.ClientWithResponses, id uuid.UUID, etag, name string) error {
	res, err := client.ReplaceDepartmentWithResponse(ctx, id, &sdk.ReplaceDepartmentParams{IfMatch: &etag}, sdk.DepartmentInput{Name: name})
	if err != nil {
		return fmt.Errorf("rename department: %w", err)
	}
	if p, ok := sdk.ProblemOf(res.HTTPResponse, res.Body); ok {
		return fmt.Errorf("rename department: %w", p)
	}
	return nil
}

// cannedAPI serves the problems vendorwatch answers to these requests
// (copied from a running server), so that the example needs no server.
func cannedAPI() (string, func()) {
	problem := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/vendors", problem(http.StatusUnprocessableEntity,
		`{"title":"Unprocessable Entity","status":422,"detail":"validation failed","errors":[`+
			`{"message":"expected string to match pattern ^[0-9０-９]{13}$","location":"body.corporate_number","value":"123"},`+
			`{"message":"expected length >= 1","location":"body.name","value":""}]}`))
	mux.Handle("GET /v1/vendors/{id}", problem(http.StatusNotFound,
		`{"title":"Not Found","status":404,"detail":"vendor 7a0d9a8c-3a55-4f3e-9f0e-1e6c5b1a2b3c not found"}`))
	mux.Handle("PUT /v1/departments/01a252a3-67c8-7dc7-8d0f-c523d7ebf901", problem(http.StatusPreconditionFailed,
		`{"title":"Precondition Failed","status":412,"detail":"department is at version 1, not 7: read it again and reapply your change"}`))
	mux.HandleFunc("PUT /v1/departments/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	})
	srv := httptest.NewServer(mux)
	return srv.URL, srv.Close
}
