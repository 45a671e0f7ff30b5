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
			fields.AddJa(fieldPath(fe.Namespace()), fieldMessage(fe), fieldMessageJa(fe), fe.Value())
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
	return fields.ErrJa("the request breaks one or more rules", invalidRequestJa)
}

// invalidRequestJa is the Japanese of "the request breaks one or more rules".
const invalidRequestJa = "入力内容に誤りがあります。"

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

// fieldMessageJa is fieldMessage in Japanese. Length rules read by the kind
// of the field: characters for text, entries for lists, a value for numbers.
func fieldMessageJa(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "入力してください。"
	case "email":
		return "メールアドレスの形式で入力してください。"
	case "url":
		return "URL（https://…）の形式で入力してください。"
	case "oneof":
		return "次のいずれかを選んでください：" + strings.ReplaceAll(fe.Param(), " ", "、")
	case "max":
		switch kindOf(fe) {
		case reflect.Slice, reflect.Array, reflect.Map:
			return fe.Param() + "件以内にしてください。"
		case reflect.String:
			return fe.Param() + "文字以内で入力してください。"
		default:
			return fe.Param() + "以下の値を入力してください。"
		}
	case "min":
		switch kindOf(fe) {
		case reflect.Slice, reflect.Array, reflect.Map:
			return fe.Param() + "件以上指定してください。"
		case reflect.String:
			return fe.Param() + "文字以上で入力してください。"
		default:
			return fe.Param() + "以上の値を入力してください。"
		}
	case "uuid", "uuid4", "uuid7":
		return "UUIDの形式で入力してください。"
	case "datetime":
		return "日付の形式（例：2027-04-01）で入力してください。"
	case "dive":
		return "要素に誤りがあります。"
	case "unique":
		return "同じ値を重ねて指定することはできません。"
	default:
		return fmt.Sprintf("「%s」の規則を満たしていません。", fe.Tag())
	}
}

// kindOf is the kind of the failed field, looking through pointers.
func kindOf(fe validator.FieldError) reflect.Kind {
	k := fe.Kind()
	if k == reflect.Pointer || k == reflect.Interface {
		if t := fe.Type(); t != nil {
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			return t.Kind()
		}
	}
	return k
}
