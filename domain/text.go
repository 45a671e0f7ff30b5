package domain

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text input is handled in three ways, all from this file:
//
//   - Identifier and number fields (法人番号, handles, codes, phone numbers,
//     e-mail addresses), marked `text:"nfkc"`, are NFKC-normalised before
//     they are validated and stored, so a full-width ７０００… is the same
//     number as 7000….
//   - Every string of an input is checked by UnsafeText: control characters,
//     bidirectional overrides and isolates, zero-width characters and
//     whitespace-only values are refused. Tab and newline are allowed only
//     in fields marked `text:"multiline"`.
//   - Search (q) compares FoldSearch of the query with FoldSearch of the
//     searched fields, so width, kana and case do not matter.

// textTag is the struct tag that marks how a string field is handled:
// "nfkc" (normalised identifier or number) and "multiline" (tab and newline
// allowed), comma-separated.
const textTag = "text"

// NormalizeIdentifier returns s in Unicode normalisation form NFKC: full-width
// letters and digits become ASCII, half-width katakana become full-width,
// and compatibility characters (①, ㈱) are spelled out. Identifier and number
// fields go through it before validation.
func NormalizeIdentifier(s string) string {
	if isASCII(s) {
		return s
	}
	return norm.NFKC.String(s)
}

// foldRune is NormalizeIdentifier for one rune, when NFKC maps it to exactly
// one rune (Ｆ → F, １ → 1, ① → 1, ｶ → カ); other runes are returned as they
// are. Post checks fold with it, so that a position in the folded text is a
// position in the original.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return r
	}
	n := norm.NFKC.String(string(r))
	if utf8.RuneCountInString(n) != 1 {
		return r
	}
	out, _ := utf8.DecodeRuneInString(n)
	return out
}

// FoldSearch folds text for comparison in search: NFKC (width), katakana to
// hiragana, and lower case. くりーん, ｸﾘｰﾝ and クリーン all fold to くりーん.
func FoldSearch(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'ァ' && r <= 'ヶ', r == 'ヽ' || r == 'ヾ':
			// Katakana ァ..ヶ and the iteration marks sit 0x60 above their
			// hiragana.
			r -= 0x60
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// UnsafeText returns a sentence saying why s may not be stored in a text
// field, or "" when it may. The empty string is a field left unset and is
// fine. Refused are: a value of only whitespace; control characters, except
// tab, newline and a carriage return before a newline when multiline; the
// bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069, which
// can make text read differently from what it is; and the zero-width
// characters U+200B–U+200D, U+2060 and U+FEFF, which hide inside names and
// defeat search and duplicate checks. A zero-width joiner between two
// pictographs (an emoji sequence such as 👨‍👩‍👧) is allowed.
func UnsafeText(s string, multiline bool) string {
	en, _ := unsafeText(s, multiline)
	return en
}

// unsafeText is UnsafeText with the Japanese of its sentence for the staff
// pages.
func unsafeText(s string, multiline bool) (en, ja string) {
	if s == "" {
		return "", ""
	}
	if strings.TrimFunc(s, unicode.IsSpace) == "" {
		return "must not be blank (only whitespace)", "空白だけの値は入力できません。"
	}
	var prev rune
	for i, r := range s {
		at := utf8.RuneCountInString(s[:i]) + 1
		switch {
		case r == '\t' || r == '\n':
			if !multiline {
				return fmt.Sprintf("must be a single line: character %d is %s; tabs and line breaks are allowed only in multi-line fields such as notes", at, runeName(r)),
					fmt.Sprintf("1行で入力してください（%d文字目が%sです）。タブと改行は、備考など複数行の欄でのみ使えます。", at, runeNameJa(r))
			}
		case r == '\r':
			if !multiline || !strings.HasPrefix(s[i+1:], "\n") {
				return fmt.Sprintf("must not contain control characters: character %d is %s", at, runeName(r)),
					fmt.Sprintf("制御文字は入力できません（%d文字目が%sです）。", at, runeNameJa(r))
			}
		case unicode.IsControl(r):
			return fmt.Sprintf("must not contain control characters: character %d is %s", at, runeName(r)),
				fmt.Sprintf("制御文字は入力できません（%d文字目が%sです）。", at, runeNameJa(r))
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("must not contain bidirectional overrides or isolates: character %d is %s", at, runeName(r)),
				fmt.Sprintf("文字の表示方向を変える制御文字は入力できません（%d文字目が%sです）。", at, runeNameJa(r))
		case r == 0x200D:
			next, _ := utf8.DecodeRuneInString(s[i+len(string(r)):])
			if !pictograph(prev) || !pictograph(next) {
				return fmt.Sprintf("must not contain zero-width characters: character %d is %s", at, runeName(r)),
					fmt.Sprintf("幅のない文字は入力できません（%d文字目が%sです）。", at, runeNameJa(r))
			}
		case r == 0x200B || r == 0x200C || r == 0x2060 || r == 0xFEFF:
			return fmt.Sprintf("must not contain zero-width characters: character %d is %s", at, runeName(r)),
				fmt.Sprintf("幅のない文字は入力できません（%d文字目が%sです）。", at, runeNameJa(r))
		}
		prev = r
	}
	return "", ""
}

// pictograph reports whether r may stand next to a zero-width joiner in an
// emoji sequence: a symbol, a variation selector or a skin-tone modifier.
func pictograph(r rune) bool {
	return r > 0x2000 && (unicode.Is(unicode.So, r) || r == 0xFE0F || (r >= 0x1F3FB && r <= 0x1F3FF))
}

// runeName names a rune for an error message without echoing invisible
// characters: "U+202E", "a tab (U+0009)".
func runeName(r rune) string {
	switch r {
	case '\t':
		return "a tab (U+0009)"
	case '\n':
		return "a line break (U+000A)"
	case '\r':
		return "a carriage return (U+000D) not followed by a line break"
	}
	return fmt.Sprintf("U+%04X", r)
}

// runeNameJa is runeName in Japanese.
func runeNameJa(r rune) string {
	switch r {
	case '\t':
		return "タブ（U+0009）"
	case '\n':
		return "改行（U+000A）"
	case '\r':
		return "改行（U+000A）を伴わない復帰（U+000D）"
	}
	return fmt.Sprintf("U+%04X", r)
}

// CheckText returns an EINVALID error naming field when value is unsafe
// text (see UnsafeText), or nil. Actions that take a bare string (a reason,
// a resolution) call it; inputs that are structs get the same check from
// Validate.
func CheckText(field, value string, multiline bool) error {
	if msg, ja := unsafeText(value, multiline); msg != "" {
		return Invalid("the request breaks one or more rules", FieldError{Field: field, Message: msg, Ja: ja}).
			WithJa(invalidRequestJa)
	}
	return nil
}

// textOptions are the options of one field's text tag.
type textOptions struct {
	nfkc, multiline bool
}

func textOptionsOf(f reflect.StructField) textOptions {
	var o textOptions
	for _, opt := range strings.Split(f.Tag.Get(textTag), ",") {
		switch opt {
		case "nfkc":
			o.nfkc = true
		case "multiline":
			o.multiline = true
		}
	}
	return o
}

// jsonName is the name encoding/json gives a field, "" for a skipped one,
// and whether the field is an embedded struct whose fields are promoted.
func jsonName(f reflect.StructField) (name string, promoted bool) {
	tag := f.Tag.Get("json")
	name, _, _ = strings.Cut(tag, ",")
	if name == "-" {
		return "", false
	}
	if name == "" && f.Anonymous {
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			return "", true
		}
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

// normalizeText applies NormalizeIdentifier to every settable string field
// marked `text:"nfkc"` in v, and in its nested structs and slices.
func normalizeText(v reflect.Value, opts textOptions) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalizeText(v.Elem(), opts)
		}
	case reflect.String:
		if opts.nfkc && v.CanSet() {
			v.SetString(NormalizeIdentifier(v.String()))
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			normalizeText(v.Index(i), opts)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			normalizeText(v.Field(i), textOptionsOf(f))
		}
	}
}

// checkText adds a field error for every unsafe string in v, located by
// JSON path below path ("contact.name", "subcontractors[2]").
func checkText(v reflect.Value, path string, opts textOptions, fe *FieldErrors) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkText(v.Elem(), path, opts, fe)
		}
	case reflect.String:
		if msg, ja := unsafeText(v.String(), opts.multiline); msg != "" {
			fe.AddJa(path, msg, ja, nil)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes are not text
		}
		for i := 0; i < v.Len(); i++ {
			checkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i), opts, fe)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			checkText(iter.Value(), joinPath(path, fmt.Sprint(iter.Key().Interface())), opts, fe)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, promoted := jsonName(f)
			switch {
			case promoted:
				checkText(v.Field(i), path, opts, fe)
			case name != "":
				checkText(v.Field(i), joinPath(path, name), textOptionsOf(f), fe)
			}
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
