package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// dateParams parses YYYY-MM-DD query parameters, reporting every bad one.
type dateParams struct {
	errs []error
}

// parse returns the date of a query parameter; "" is the zero date.
func (d *dateParams) parse(name, value string) domain.Date {
	if value == "" {
		return domain.Date{}
	}
	date, err := domain.ParseDate(value)
	if err != nil {
		d.errs = append(d.errs, &huma.ErrorDetail{Location: "query." + name, Message: err.Error(), Value: value})
	}
	return date
}

// err returns the 422 for the bad parameters, or nil.
func (d *dateParams) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	return huma.NewError(http.StatusUnprocessableEntity, "a date parameter is malformed", d.errs...)
}

// ReasonBody carries the written reason of a state change.
type ReasonBody struct {
	Reason string `json:"reason" minLength:"1" maxLength:"2000" doc:"Why; kept in the record and the audit trail." example:"契約満了前に業務を内製化するため"`
}
