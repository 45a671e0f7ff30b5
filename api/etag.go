package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// A resource's ETag is its version as a strong entity tag: "7".

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// IfMatchParam is the If-Match header of writes to one resource.
type IfMatchParam struct {
	IfMatch string `header:"If-Match" maxLength:"1000" pattern:"^\\s*(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)\\s*$" doc:"ETag of the version this change is based on; the change is refused with 412 if the resource has changed since. * or absent: any version (the store still refuses to overwrite a concurrent change). Read as RFC 9110's list of entity tags: a comma inside a quoted tag is part of the tag; a weak tag (W/) never matches; a list of more than one strong tag is a 400."`
}

// entityTag is one entity tag of an If-Match or If-None-Match list.
type entityTag struct {
	weak   bool
	opaque string // without the quotes
}

// parseETags reads an If-Match / If-None-Match field value as RFC 9110
// defines it: "*", or a comma-separated list of entity tags, each
// [W/]"etagc*" where etagc is any visible character but the double quote
// (a comma inside the quotes belongs to the tag). It reports any for "*",
// and ok false when the value is not of that form.
func parseETags(h string) (tags []entityTag, any bool, ok bool) {
	s := strings.TrimSpace(h)
	if s == "*" {
		return nil, true, true
	}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return tags, false, len(tags) > 0
		}
		if s[0] == ',' { // empty list elements are allowed (#rule)
			s = s[1:]
			continue
		}
		var t entityTag
		if strings.HasPrefix(s, "W/") {
			t.weak = true
			s = s[2:]
		}
		if s == "" || s[0] != '"' {
			return nil, false, false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, false, false
		}
		t.opaque = s[1 : 1+end]
		for i := 0; i < len(t.opaque); i++ {
			if c := t.opaque[i]; c < 0x21 && c != '\t' || c == 0x7f {
				return nil, false, false
			}
		}
		tags = append(tags, t)
		s = strings.TrimLeft(s[2+end:], " \t")
		if s != "" && s[0] != ',' {
			return nil, false, false
		}
	}
}

// version returns the version the caller expects, nil for any.
func (p IfMatchParam) version() (*int, error) {
	h := strings.TrimSpace(p.IfMatch)
	if h == "" {
		return nil, nil
	}
	tags, any, ok := parseETags(h)
	if !ok {
		return nil, huma.NewError(http.StatusBadRequest, "If-Match must be * or a list of entity tags",
			&huma.ErrorDetail{Location: "header.If-Match", Value: truncateRunes(p.IfMatch, maxErrorValue), Message: "send the ETag of the version you read"})
	}
	if any {
		return nil, nil
	}
	var strong []entityTag
	for _, t := range tags {
		// A weak tag never matches under the strong comparison If-Match
		// uses.
		if !t.weak {
			strong = append(strong, t)
		}
	}
	switch len(strong) {
	case 0:
		v := -1
		return &v, nil
	case 1:
	default:
		return nil, huma.NewError(http.StatusBadRequest, "If-Match must hold exactly one strong ETag",
			&huma.ErrorDetail{Location: "header.If-Match", Value: truncateRunes(p.IfMatch, maxErrorValue), Message: "send the single ETag of the version you read"})
	}
	v, err := strconv.Atoi(strong[0].opaque)
	if err != nil || strconv.Itoa(v) != strong[0].opaque {
		v = -1 // a tag this API never issued cannot match
	}
	return &v, nil
}

// noneMatch reports whether an If-None-Match value matches the ETag of
// the current representation under the weak comparison RFC 9110 gives it.
func noneMatch(ifNoneMatch, current string) bool {
	if current == "" {
		return false
	}
	tags, any, ok := parseETags(ifNoneMatch)
	if !ok {
		return false
	}
	if any {
		return true
	}
	cur, _, ok := parseETags(current)
	if !ok || len(cur) != 1 {
		return false
	}
	for _, t := range tags {
		if t.opaque == cur[0].opaque {
			return true
		}
	}
	return false
}
