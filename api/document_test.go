package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
)

// TestEveryEnumerationIsNamed walks the whole document: an enumeration may
// only stand in a named schema of its own, everything else refers to it.
func TestEveryEnumerationIsNamed(t *testing.T) {
	doc := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).OpenAPI()
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(raw, &tree))

	var inline []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["enum"]; ok && !isNamedSchema(path) {
				inline = append(inline, path)
			}
			for k, child := range v {
				walk(path+"/"+k, child)
			}
		case []any:
			for _, child := range v {
				walk(path+"/[]", child)
			}
		}
	}
	walk("", tree)
	require.Empty(t, inline, "enumerations not moved into a named schema")

	schemas := doc.Components.Schemas.Map()
	for _, name := range []string{"RiskTier", "VendorStatus", "SecurityRole", "Confidentiality", "PostFindingCode", "BooleanFilter"} {
		require.Contains(t, schemas, name)
		require.NotEmpty(t, schemas[name].Enum, name)
		require.NotEmpty(t, schemas[name].Description, name)
	}
	require.Equal(t, "#/components/schemas/RiskTier", schemas["Vendor"].Properties["risk_tier"].Ref)
	require.Equal(t, "#/components/schemas/SecurityRole", schemas["Person"].Properties["security_roles"].Items.Ref)
}

// isNamedSchema reports whether path is a schema directly under components.
func isNamedSchema(path string) bool {
	rest, ok := strings.CutPrefix(path, "/components/schemas/")
	return ok && !strings.Contains(rest, "/")
}
