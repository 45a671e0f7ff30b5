package sdk_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// answer is an HTTP answer as the generated client receives it.
func answer(status int, contentType, body string) *http.Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewBufferString(body))}
}

func TestProblemOf(t *testing.T) {
	const pj = "application/problem+json"
	cases := []struct {
		name        string
		res         *http.Response
		want        *sdk.Problem // Model not compared
		wantMessage string
	}{
		{"422 with field errors", answer(422, pj,
			`{"title":"Unprocessable Entity","status":422,"detail":"validation failed","errors":[{"message":"invalid integer","location":"query.limit","value":"abc"},{"message":"expected required property owner_id to be present","location":"body"}]}`),
			&sdk.Problem{Status: 422, Title: "Unprocessable Entity", Detail: "validation failed", Errors: []sdk.FieldError{
				{Location: "query.limit", Message: "invalid integer", Value: "abc"},
				{Location: "body", Message: "expected required property owner_id to be present"},
			}},
			"422 Unprocessable Entity: validation failed (query.limit: invalid integer; body: expected required property owner_id to be present)"},
		{"404 without errors", answer(404, pj, `{"title":"Not Found","status":404,"detail":"vendor x not found"}`),
			&sdk.Problem{Status: 404, Title: "Not Found", Detail: "vendor x not found"},
			"404 Not Found: vendor x not found"},
		{"errors null", answer(412, pj, `{"title":"Precondition Failed","status":412,"detail":"stale","errors":null}`),
			&sdk.Problem{Status: 412, Title: "Precondition Failed", Detail: "stale"},
			"412 Precondition Failed: stale"},
		{"errors empty, every member typed", answer(409, pj, `{"type":"about:blank","title":"Conflict","status":409,"instance":"/v1/vendors/1","errors":[]}`),
			&sdk.Problem{Status: 409, Title: "Conflict", Type: "about:blank", Instance: "/v1/vendors/1"},
			"409 Conflict"},
		{"an error entry without members", answer(400, pj, `{"title":"Bad Request","errors":[{}]}`),
			&sdk.Problem{Status: 400, Title: "Bad Request", Errors: []sdk.FieldError{{}}},
			"400 Bad Request"},
		{"the answer's status wins over the body's", answer(503, pj, `{"title":"Service Unavailable","status":500}`),
			&sdk.Problem{Status: 503, Title: "Service Unavailable"},
			"503 Service Unavailable"},
		{"an empty problem object", answer(500, "application/json", `{}`),
			&sdk.Problem{Status: 500, Title: "Internal Server Error"},
			"500 Internal Server Error"},
		{"a JSON null body", answer(500, pj, `null`),
			&sdk.Problem{Status: 500, Title: "Internal Server Error"},
			"500 Internal Server Error"},
		{"a proxy's HTML page", answer(502, "text/html", `<html>502 Bad Gateway</html>`),
			&sdk.Problem{Status: 502, Title: "Bad Gateway"},
			"502 Bad Gateway"},
		{"no body, no type", answer(504, "", ``),
			&sdk.Problem{Status: 504, Title: "Gateway Timeout"},
			"504 Gateway Timeout"},
		{"broken JSON", answer(500, pj, `{"title":`),
			&sdk.Problem{Status: 500, Title: "Internal Server Error"},
			"500 Internal Server Error"},
		{"members of the wrong type", answer(422, pj, `{"title":7,"errors":"many"}`),
			&sdk.Problem{Status: 422, Title: "Unprocessable Entity"},
			"422 Unprocessable Entity"},
		{"a status without text", answer(499, pj, `{"detail":"gone"}`),
			&sdk.Problem{Status: 499, Detail: "gone"},
			"499: gone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// As a ...WithResponse result: the body already read.
			body, err := io.ReadAll(c.res.Body)
			require.NoError(t, err)
			c.res.Body = io.NopCloser(bytes.NewReader(body))
			p, ok := sdk.ProblemOf(c.res, body)
			require.True(t, ok)
			model := p.Model
			p.Model = sdk.ErrorModel{}
			require.Equal(t, c.want, p)
			require.Equal(t, c.wantMessage, p.Error())

			// As a plain client's answer: ProblemOf reads the body.
			p, ok = sdk.ProblemOf(c.res, nil)
			require.True(t, ok)
			require.Equal(t, model, p.Model)
			p.Model = sdk.ErrorModel{}
			require.Equal(t, c.want, p)
		})
	}

	t.Run("no problem below 400", func(t *testing.T) {
		for _, status := range []int{200, 201, 204, 304, 399} {
			p, ok := sdk.ProblemOf(answer(status, pj, `{"title":"x"}`), nil)
			require.False(t, ok)
			require.Nil(t, p)
		}
		p, ok := sdk.ProblemOf(nil, nil)
		require.False(t, ok)
		require.Nil(t, p)
	})

	t.Run("Model keeps the body", func(t *testing.T) {
		p, ok := sdk.ProblemOf(answer(404, pj, `{"title":"Not Found","status":404,"detail":"d"}`), nil)
		require.True(t, ok)
		require.NotNil(t, p.Model.Status)
		require.EqualValues(t, 404, *p.Model.Status)
		require.Nil(t, p.Model.Errors)
	})

	t.Run("a plain client's body is read up to 1 MiB", func(t *testing.T) {
		big := `{"title":"Bad Request","detail":"` + string(bytes.Repeat([]byte("x"), 2<<20)) + `"}`
		p, ok := sdk.ProblemOf(answer(400, pj, big), nil)
		require.True(t, ok)
		require.Equal(t, "Bad Request", p.Title) // status text: the cut body is not JSON
		require.Empty(t, p.Detail)
	})
}

// The generated parser decodes a problem without errors, or with
// "errors": null, into an ErrorModel whose Errors is nil: no panic, and
// ProblemOf reads the same answer.
func TestGeneratedParserDecodesProblemsWithoutErrors(t *testing.T) {
	for _, body := range []string{
		`{"title":"Not Found","status":404,"detail":"vendor x not found"}`,
		`{"title":"Not Found","status":404,"detail":"vendor x not found","errors":null}`,
	} {
		res, err := sdk.ParseGetVendorResponse(answer(404, "application/problem+json", body))
		require.NoError(t, err)
		require.NotNil(t, res.ApplicationproblemJSON404)
		require.Nil(t, res.ApplicationproblemJSON404.Errors)
		require.Equal(t, "vendor x not found", *res.ApplicationproblemJSON404.Detail)
		p, ok := sdk.ProblemOf(res.HTTPResponse, res.Body)
		require.True(t, ok)
		require.Equal(t, "vendor x not found", p.Detail)
		require.Nil(t, p.Errors)
		require.Equal(t, *res.ApplicationproblemJSON404, p.Model)
	}
}
