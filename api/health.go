package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ReadyTimeout is how long the readiness check waits for the database, so
// that /readyz answers 503 within 2 s when the database hangs.
const ReadyTimeout = 1500 * time.Millisecond

// HealthStatus is what a health probe answers: ok or unavailable.
type HealthStatus string

// HealthOutput answers the health probes.
type HealthOutput struct {
	Body struct {
		Status HealthStatus `json:"status" enum:"ok,unavailable" doc:"ok, or unavailable with the reason."`
		Reason string       `json:"reason,omitempty" doc:"Why the service is not ready."`
	}
}

func (s *Server) registerHealth() {
	huma.Register(s.api, operation{
		ID: "get-health", Method: http.MethodGet, Path: "/healthz", Tag: "Health",
		Summary: "Liveness", Description: "Answers 200 while the process serves requests. No token needed.",
	}.huma(), func(context.Context, *struct{}) (*HealthOutput, error) {
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})

	huma.Register(s.api, operation{
		ID: "get-readiness", Method: http.MethodGet, Path: "/readyz", Tag: "Health",
		Summary: "Readiness",
		Description: "Answers 200 when the database answers and every migration is applied, else 503. " +
			"A database that does not answer within " + ReadyTimeout.String() + " is a 503 saying it is unreachable, with Retry-After. No token needed.",
		Errors: []int{http.StatusServiceUnavailable},
	}.huma(), func(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
		if s.Ready == nil {
			return nil, huma.Error503ServiceUnavailable("no database configured")
		}
		// Its own short deadline: a database that hangs makes the probe
		// answer 503 in time, not when the prober gives up.
		ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			if domain.ErrorCodeOf(err) == domain.EUNAVAILABLE {
				// The store logs the outage once; every probe need not.
				return nil, unavailableProblem("the database is unreachable or does not answer")
			}
			s.log.WarnContext(ctx, "not ready", "error", err)
			return nil, huma.ErrorWithHeaders(huma.Error503ServiceUnavailable("not ready: start-up is not finished or migrations are pending"),
				http.Header{"Retry-After": []string{strconv.Itoa(RetryAfterSeconds)}})
		}
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
}
