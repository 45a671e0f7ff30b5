package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/require"
)

func TestParseETags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		tags []entityTag
		any  bool
		ok   bool
	}{
		{`*`, nil, true, true},
		{`"7"`, []entityTag{{opaque: "7"}}, false, true},
		{`W/"7"`, []entityTag{{weak: true, opaque: "7"}}, false, true},
		{`"a,b"`, []entityTag{{opaque: "a,b"}}, false, true},
		{` "1" , W/"2",,"x,y" `, []entityTag{{opaque: "1"}, {weak: true, opaque: "2"}, {opaque: "x,y"}}, false, true},
		{`""`, []entityTag{{opaque: ""}}, false, true},
		{`7`, nil, false, false},
		{`"7`, nil, false, false},
		{`"7" "8"`, nil, false, false},
		{`w/"7"`, nil, false, false},
		{``, nil, false, false},
	} {
		tags, any, ok := parseETags(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.any, any, tc.in)
		if tc.ok {
			require.Equal(t, tc.tags, tags, tc.in)
		}
	}
	for in, want := range map[string]*int{`"1,2"`: ptr(-1), `W/"3"`: ptr(-1), `W/"3", "4"`: ptr(4), `*`: nil, `"5"`: ptr(5), `"05"`: ptr(-1)} {
		v, err := IfMatchParam{IfMatch: in}.version()
		require.NoError(t, err, in)
		require.Equal(t, want, v, in)
	}
	for _, in := range []string{`"1", "2"`, `1`} {
		_, err := IfMatchParam{IfMatch: in}.version()
		require.Error(t, err, in)
	}
	require.True(t, noneMatch(`W/"3"`, `"3"`), "If-None-Match compares weakly")
	require.True(t, noneMatch(`"1", "3"`, `"3"`))
	require.True(t, noneMatch(`*`, `"3"`))
	require.False(t, noneMatch(`"4"`, `"3"`))
	require.False(t, noneMatch(`"3,4"`, `"3"`))
}

func ptr(i int) *int { return &i }

// operations walks every operation of the document.
func operations(o *huma.OpenAPI, fn func(path string, op *huma.Operation)) {
	for path, item := range o.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op != nil {
				fn(path, op)
			}
		}
	}
}

// Every answer the server itself can give is documented on every
// operation that can give it.
func TestEveryServerStatusIsDocumented(t *testing.T) {
	o := New(Config{}).OpenAPI()
	n := 0
	operations(o, func(path string, op *huma.Operation) {
		n++
		want := []string{"400", "408", "415", "500"}
		if op.Metadata[unlimitedKey] == nil {
			want = append(want, "429")
		} else {
			require.NotContains(t, op.Responses, "429", "%s %s is never rate-limited", op.Method, path)
		}
		if op.Security == nil || len(op.Security) > 0 {
			want = append(want, "401", "403", "503")
		}
		if op.RequestBody != nil {
			want = append(want, "413")
		}
		if r := op.Responses["200"]; op.Method == http.MethodGet && r != nil && r.Headers["ETag"] != nil {
			want = append(want, "304")
		}
		if takesIdempotencyKey(op) {
			want = append(want, "409", "422")
			var found bool
			for _, p := range op.Parameters {
				found = found || p.In == "header" && p.Name == IdempotencyKeyHeader
			}
			require.True(t, found, "%s %s: Idempotency-Key", op.Method, path)
		}
		for _, code := range want {
			require.Contains(t, op.Responses, code, "%s %s", op.Method, path)
		}
	})
	require.Greater(t, n, 80)
	for _, path := range []string{"/healthz", "/readyz"} {
		sec := o.Paths[path].Get.Security
		require.NotNil(t, sec, path)
		require.Empty(t, sec, path)
	}
	y, err := o.YAML()
	require.NoError(t, err)
	require.Contains(t, string(y), "security: []")
}

// Every 201 of a POST documents Location, and its Location names a
// resource the document has a GET for.
func TestEveryCreateHasLocation(t *testing.T) {
	o := New(Config{}).OpenAPI()
	gets := map[string]bool{}
	for path, item := range o.Paths {
		if item.Get != nil {
			gets[path] = true
		}
	}
	placeholder := regexp.MustCompile(`\{[^}]+\}`)
	norm := func(p string) string { return placeholder.ReplaceAllString(p, "{}") }
	normGets := map[string]bool{}
	for p := range gets {
		normGets[norm(p)] = true
	}
	n := 0
	operations(o, func(path string, op *huma.Operation) {
		r, ok := op.Responses["201"]
		if !ok {
			return
		}
		n++
		require.Equal(t, http.MethodPost, op.Method, path)
		require.NotNil(t, r.Headers["Location"], "%s: Location documented", op.OperationID)
		loc := locationTemplate(op)
		require.True(t, strings.HasPrefix(loc, "/v1/"), loc)
		require.True(t, normGets[norm(loc)], "%s: Location %s has no GET", op.OperationID, loc)
	})
	require.GreaterOrEqual(t, n, 20)
}

// The 3.0.3 document has no $ref with siblings, and keeps the siblings
// (descriptions, defaults) beside an allOf.
func TestDowngradedDocumentHasNoRefSiblings(t *testing.T) {
	out, err := downgradeJSON(New(Config{}).OpenAPI())
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(out, &doc))
	var bad []string
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch t := v.(type) {
		case map[string]any:
			if _, ok := t["$ref"]; ok && len(t) > 1 {
				bad = append(bad, at)
			}
			if _, ok := t["contentMediaType"]; ok {
				bad = append(bad, at+" (contentMediaType)")
			}
			for k, sub := range t {
				walk(sub, at+"/"+k)
			}
		case []any:
			for _, sub := range t {
				walk(sub, at+"/[]")
			}
		}
	}
	walk(doc, "")
	require.Empty(t, bad)
	require.Equal(t, "3.0.3", doc.(map[string]any)["openapi"])
	// The defaults that were siblings of a $ref survive beside the allOf.
	props := doc.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)["PersonInput"].(map[string]any)["properties"].(map[string]any)
	for name, def := range map[string]string{"employment_type": "regular", "locale": "ja"} {
		p := props[name].(map[string]any)
		require.Equal(t, def, p["default"], name)
		require.NotEmpty(t, p["description"], name)
		require.Len(t, p["allOf"], 1, name)
	}
}

func TestImportCommitGetsTheUploadDeadline(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1/imports/01a2/commit": true, "/imports/01a2/commit": true,
		"/v1/imports/01a2": false, "/v1/imports//commit": false, "/v1/imports/a/b/commit": false, "/v1/vendors/01a2/commit": false,
	} {
		r := httptest.NewRequest(http.MethodPost, path, nil)
		require.Equal(t, want, isImportCommit(r), path)
	}
	require.False(t, isImportCommit(httptest.NewRequest(http.MethodGet, "/v1/imports/01a2/commit", nil)))
}
