// Package apitest helps tests that drive a running vendorwatch through its
// JSON API: the binary's own tests and the browser tests, which seed their
// data the way a client would.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TokenLine finds the first start's administrator token in what serve
// prints on stdout (never in its log, stderr).
var TokenLine = regexp.MustCompile(`(?m)^\s+(vw_[A-Za-z0-9_-]{43})$`)

// Client calls the API at Base with a bearer Token, failing T on any
// unexpected answer.
type Client struct {
	T     testing.TB
	Base  string
	Token string
}

// Call sends body as JSON, requires the status want and returns the
// decoded object (empty for an answer that is not one).
func (c Client) Call(method, path string, body any, want int) map[string]any {
	c.T.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(c.T, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	require.NoError(c.T, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.T, err)
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	require.NoError(c.T, err)
	require.Equal(c.T, want, res.StatusCode, "%s %s: %s", method, path, raw)
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(c.T, json.Unmarshal(raw, &out))
	}
	return out
}

// ID is Call returning the answer's id.
func (c Client) ID(method, path string, body any, want int) string {
	c.T.Helper()
	return c.Call(method, path, body, want)["id"].(string)
}
