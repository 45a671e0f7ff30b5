package e2e_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// A tool that downloads every contract as CSV (the whole list, every page,
// with the filters given) and reads the titles. The plain client's answer
// is the streaming *http.Response; WithResponse would hold the file in Body.
func Example_exportContractsAsCSV() {
	baseURL, token, stop := demoServer()
	defer stop()

	client, err := sdk.NewClient(baseURL, sdk.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept-Language", "en") // English headers
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	format, status := sdk.ListFormatCsv, sdk.ContractStatusActive
	res, err := client.ListContracts(context.Background(), &sdk.ListContractsParams{Format: &format, Status: &status})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	bom := make([]byte, 3) // UTF-8 with a byte order mark
	if _, err := io.ReadFull(res.Body, bom); err != nil {
		log.Fatal(err)
	}
	r := csv.NewReader(res.Body)
	header, err := r.Read()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Header.Get("Content-Type"), header[0], header[1])
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row[1])
	}
	// Output:
	// text/csv; charset=utf-8 vendor title
	// 収集運搬システム保守業務委託
}
