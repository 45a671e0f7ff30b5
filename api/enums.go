package api

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// schemaPrefix is where the document's named schemas live.
const schemaPrefix = "#/components/schemas/"

// parameterEnums name and describe the enumerations that only query
// parameters have.
var parameterEnums = map[string]struct{ name, description string }{
	"true,false":      {"BooleanFilter", "A yes-or-no filter, spelled true or false."},
	"json,xlsx":       {"ReportFormat", "A report's format: json (the default) or xlsx (the workbook)."},
	"json,csv,xlsx":   {"ListFormat", "A list's format: json (the default, one page), or csv or xlsx (the whole list as a file download)."},
	"utf-8,shift_jis": {"CSVCharset", "A CSV export's encoding: utf-8 (the default, with a byte order mark) or shift_jis (CP932)."},
	"compliant,not_compliant,not_applicable,unanswered": {"AnswerFilter",
		"Which answers: compliant, not_compliant, not_applicable, or unanswered (not answered yet)."},
}

// enumDescriptions describe the enumerations whose first property's
// description says too little about the values themselves.
var enumDescriptions = map[string]string{
	"Catalogue":         "Which catalogue: clauses (contract security clauses), selection_criteria (vendor selection criteria), terms_checks (the terms-of-service risk checklist) or inspection_checklist (the self-inspection checklist).",
	"AnswerValue":       "A self-inspection answer: compliant, not_compliant (which opens a corrective action) or not_applicable.",
	"ItemResult":        "The answer to one checklist item: ok, finding (which opens a corrective action) or not_applicable.",
	"Locale":            "Language of a person's e-mails: ja (Japanese, the default) or en.",
	"Platform":          "Social-media platform: x, facebook, instagram, line, youtube, tiktok or other.",
	"PostFindingCode":   "What a post check found: category_not_allowed, prohibited_term, email_address, phone_number, individual_number (マイナンバー) or postal_address.",
	"ReviewSubjectType": "What a review is of: contract (renewal review), cloud_service or social_account (periodic review).",
	"ReadinessReason":   "Why /readyz answers 503: database_unreachable, migrations_pending, starting or shutting_down.",
	"Role":              "What a token may do: admin (everything), editor (write the registers), viewer (read) or auditor (read, and the audit trail).",
	"EvidenceSubject":   "The kind of record an evidence file is attached to.",
	"SubjectType":       "What a reminder is about: a confirmation, a contract renewal review, a cloud-service or social-account periodic review, a certification's expiry, a corrective action, the next policy review (policy_review), an incident's next step (incident_step), or a self-inspection's answers due (inspection).",
}

// nameEnums moves every enumeration of the document into a named schema of
// its own and refers to it, so that generated SDKs get one named type per
// enumeration (RiskTier, VendorStatus, …) instead of one per property. A
// property typed with a named Go type gets that type's name; a plain string
// property gets its schema's name and its own (PostFindingCode). Query
// parameters refer to the schema with the same values. It panics when two
// properties give one name different values, or a parameter's values match
// no named schema: both are mistakes in the code that tests catch.
func nameEnums(o *huma.OpenAPI) {
	reg := o.Components.Schemas
	byValues := map[string]string{} // enumKey → schema name
	names := make([]string, 0, len(reg.Map()))
	for name := range reg.Map() {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := reg.Map()[name]
		t := reg.TypeFromRef(schemaPrefix + name)
		if s == nil || t == nil || t.Kind() != reflect.Struct {
			continue
		}
		fields := jsonFieldTypes(t)
		props := make([]string, 0, len(s.Properties))
		for prop := range s.Properties {
			props = append(props, prop)
		}
		slices.Sort(props)
		for _, prop := range props {
			target, goType := s.Properties[prop], fields[prop]
			description := target.Description
			if target.Type == huma.TypeArray && target.Items != nil {
				target = target.Items
				if goType != nil && (goType.Kind() == reflect.Slice || goType.Kind() == reflect.Array) {
					goType = goType.Elem()
				}
			}
			if len(target.Enum) == 0 || target.Ref != "" {
				continue
			}
			enumName := name + camelCase(prop)
			if goType != nil && goType.Kind() == reflect.String && goType.PkgPath() != "" {
				enumName = goType.Name()
			}
			byValues[enumKey(target.Enum)] = enumName
			referToEnum(reg, enumName, target, description)
		}
	}
	for _, path := range o.Paths {
		for _, op := range []*huma.Operation{path.Get, path.Put, path.Post, path.Patch, path.Delete} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				if p.Schema == nil || len(p.Schema.Enum) == 0 || p.Schema.Ref != "" {
					continue
				}
				key := enumKey(p.Schema.Enum)
				if name, ok := byValues[key]; ok {
					referToEnum(reg, name, p.Schema, "")
					continue
				}
				named, ok := parameterEnums[key]
				if !ok {
					panic(fmt.Sprintf("api: the values %s of parameter %s of %s have no named schema", key, p.Name, op.OperationID))
				}
				referToEnum(reg, named.name, p.Schema, named.description)
			}
		}
	}
}

// referToEnum makes s a reference to the named enumeration, defining it
// from s, with the description, when it is new. What describes this use
// (description, default, examples, readOnly) stays beside the reference.
func referToEnum(reg huma.Registry, name string, s *huma.Schema, description string) {
	existing, ok := reg.Map()[name]
	if !ok {
		if d, ok := enumDescriptions[name]; ok {
			description = d
		}
		existing = &huma.Schema{Type: s.Type, Enum: s.Enum, Description: description}
		existing.PrecomputeMessages()
		reg.Map()[name] = existing
	} else if enumKey(existing.Enum) != enumKey(s.Enum) {
		panic(fmt.Sprintf("api: enumeration %s has two sets of values: %v and %v", name, existing.Enum, s.Enum))
	}
	*s = huma.Schema{Ref: schemaPrefix + name, Description: s.Description, Default: s.Default, Examples: s.Examples,
		ReadOnly: s.ReadOnly, WriteOnly: s.WriteOnly, Deprecated: s.Deprecated}
}

// enumKey is the values of an enumeration in order, joined by commas.
func enumKey(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}

// jsonFieldTypes maps the JSON names of a struct's fields, embedded
// structs' included, to their Go types.
func jsonFieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFieldTypes(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		out[name] = ft
	}
	return out
}

// camelCase turns a property name (subject_type) into a schema name part
// (SubjectType).
func camelCase(s string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
