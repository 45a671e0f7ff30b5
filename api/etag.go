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
	IfMatch string `header:"If-Match" maxLength:"100" pattern:"^(\\*|(W/)?\"[^\"]*\")$" doc:"ETag of the version this change is based on; the change is refused with 412 if the resource has changed since. * or absent: any version (the store still refuses to overwrite a concurrent change)."`
}

// version returns the version the caller expects, nil for any.
func (p IfMatchParam) version() (*int, error) {
	h := strings.TrimSpace(p.IfMatch)
	if h == "" || h == "*" {
		return nil, nil
	}
	if strings.Contains(h, ",") {
		return nil, huma.NewError(http.StatusBadRequest, "If-Match must hold exactly one ETag",
			&huma.ErrorDetail{Location: "header.If-Match", Value: p.IfMatch, Message: "send the single ETag of the version you read"})
	}
	if strings.HasPrefix(h, "W/") {
		// A weak tag never matches under the strong comparison If-Match uses.
		v := -1
		return &v, nil
	}
	unq, err := strconv.Unquote(h)
	if err != nil {
		unq = h
	}
	v, err := strconv.Atoi(unq)
	if err != nil {
		v = -1 // a tag this API never issued cannot match
	}
	return &v, nil
}
