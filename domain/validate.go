package domain

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// validatorInstance returns the shared validator, configured to name fields by
// their JSON names so that a FieldError points at what the caller sent.
func validatorInstance() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			if name == "" {
				return f.Name
			}
			return name
		})
	})
	return validate
}

// Validate checks v's `validate` tags (the invariants that hold whoever the
// caller is) and the safety of every string in it (UnsafeText; tab and
// newline only in fields tagged `text:"multiline"`), and returns an EINVALID
// *Error naming every offending field once by its JSON location, or nil.
// When v is a pointer, the fields tagged `text:"nfkc"` are NFKC-normalised in
// place first (NormalizeIdentifier), so the store validates and stores the
// normalised form; pass a pointer for inputs that have such fields.
func Validate(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		normalizeText(rv, textOptions{})
	}
	var fields FieldErrors
	err := validatorInstance().Struct(v)
	var verrs validator.ValidationErrors
	switch {
	case err == nil:
	case errors.As(err, &verrs):
		for _, fe := range verrs {
			fields.Add(fieldPath(fe.Namespace()), fieldMessage(fe), fe.Value())
		}
	default:
		return fmt.Errorf("domain: validate %T: %w", v, err)
	}
	var text FieldErrors
	checkText(rv, "", textOptions{}, &text)
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		seen[f.Field] = true
	}
	for _, f := range text {
		if !seen[f.Field] {
			fields = append(fields, f)
		}
	}
	return fields.Err("the request breaks one or more rules")
}

// fieldPath drops the struct name that validator puts first in a namespace.
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// fieldMessage renders one validator failure as a sentence.
func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be an e-mail address"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		return "must be at most " + fe.Param() + " long"
	case "min":
		return "must be at least " + fe.Param() + " long"
	case "uuid", "uuid4", "uuid7":
		return "must be a UUID"
	case "dive":
		return "has an invalid element"
	case "unique":
		return "must not repeat a value"
	default:
		return fmt.Sprintf("fails the %q rule", fe.Tag())
	}
}
