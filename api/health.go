package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ReadyTimeout is how long the readiness check waits for the database, so
// that /readyz answers 503 within 2 s when the database hangs.
const ReadyTimeout = 1500 * time.Millisecond

// The probes' paths: outside the rate limit and outside /v1/, so that a
// load balancer or an orchestrator can ask them as often as it likes.
const (
	HealthPath = "/healthz"
	ReadyPath  = "/readyz"
)

// HealthStatus is what a health probe answers: ok or unavailable.
type HealthStatus string

// ReadinessReason says, in a word a machine can match, why /readyz
// answers 503.
type ReadinessReason string

// The reasons /readyz gives for not being ready.
const (
	// ReasonDatabaseUnreachable: the database did not answer the readiness
	// check within ReadyTimeout, or answered it with an error.
	ReasonDatabaseUnreachable ReadinessReason = "database_unreachable"
	// ReasonMigrationsPending: the database's schema is older than this
	// build (run "vendorwatch migrate", or wait for serve to apply them).
	ReasonMigrationsPending ReadinessReason = "migrations_pending"
	// ReasonStarting: start-up (seeding, the job runner) is not finished.
	ReasonStarting ReadinessReason = "starting"
	// ReasonShuttingDown: the process received SIGTERM and drains its
	// connections before it stops.
	ReasonShuttingDown ReadinessReason = "shutting_down"
)

// ErrStarting and ErrShuttingDown are what a Ready function returns while
// the process starts or drains; the store's own errors give the other
// reasons.
var (
	ErrStarting     = errors.New("start-up is not finished")
	ErrShuttingDown = errors.New("shutting down: draining connections before the process stops")
)

// healthBody is the body of both probes, 200 and 503 alike; an alias of an
// unnamed struct so that its schema keeps the name HealthOutputBody.
type healthBody = struct {
	Status     HealthStatus    `json:"status" enum:"ok,unavailable" doc:"ok, or unavailable with the reason."`
	ReasonCode ReadinessReason `json:"reason_code,omitempty" enum:"database_unreachable,migrations_pending,starting,shutting_down" doc:"Why the service is not ready: database_unreachable, migrations_pending, starting or shutting_down. Absent when ok."`
	Reason     string          `json:"reason,omitempty" maxLength:"200" doc:"Why the service is not ready, for people."`
}

// HealthOutput answers the health probes.
type HealthOutput struct {
	Body healthBody
}

// notReady is /readyz's 503: the probe's own body with the reason (not a
// problem document), and Retry-After.
type notReady struct{ body healthBody }

func (e *notReady) Error() string                { return e.body.Reason }
func (e *notReady) GetStatus() int               { return http.StatusServiceUnavailable }
func (e *notReady) MarshalJSON() ([]byte, error) { return json.Marshal(e.body) }
func (e *notReady) GetHeaders() http.Header {
	return http.Header{"Retry-After": []string{strconv.Itoa(RetryAfterSeconds)}}
}

// readinessOf turns what the Ready function returned into the reason code
// and its explanation; unexpected is true for an error that none of the
// reasons names (it is logged, the store's outages are not: the store logs
// them once).
func readinessOf(err error) (code ReadinessReason, reason string, unexpected bool) {
	switch {
	case errors.Is(err, ErrShuttingDown):
		return ReasonShuttingDown, "shutting down: the process drains its connections and stops", false
	case errors.Is(err, domain.ErrMigrationsPending):
		return ReasonMigrationsPending, "migrations are pending: the database's schema is older than this build (run \"vendorwatch migrate\")", false
	case domain.ErrorCodeOf(err) == domain.EUNAVAILABLE, errors.Is(err, context.DeadlineExceeded):
		return ReasonDatabaseUnreachable, "the database is unreachable or does not answer", false
	case errors.Is(err, ErrStarting):
		return ReasonStarting, "still starting: start-up is not finished", false
	}
	return ReasonDatabaseUnreachable, "the database answered the readiness check with an error; the server log has the details", true
}

var readinessDoc = "Answers 200 when the database answers, every migration is applied and start-up is finished; " +
	"otherwise 503 with Retry-After and a body whose reason_code says why: " +
	"database_unreachable (the database does not answer within " + ReadyTimeout.String() + ", or answers with an error), " +
	"migrations_pending (the schema is older than this build: run \"vendorwatch migrate\"), " +
	"starting (seeding and the job runner are not started yet) or " +
	"shutting_down (the process received SIGTERM and keeps serving for the drain period so that load balancers " +
	"take it out; in-flight requests and jobs then finish). reason says the same for people. " +
	"No token needed, never rate-limited; HEAD answers the same status without a body."

func (s *Server) registerHealth() {
	live := operation{
		ID: "get-health", Method: http.MethodGet, Path: HealthPath, Tag: "Health",
		Summary: "Liveness", Description: "Answers 200 while the process serves requests, during start-up and the shutdown drain too. " +
			"No token needed, never rate-limited; HEAD answers the same without a body.",
	}.huma()
	live.Metadata[unlimitedKey] = true
	huma.Register(s.api, live, func(context.Context, *struct{}) (*HealthOutput, error) {
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})

	ready := operation{
		ID: "get-readiness", Method: http.MethodGet, Path: ReadyPath, Tag: "Health",
		Summary: "Readiness", Description: readinessDoc,
	}.huma()
	ready.Metadata[unlimitedKey] = true
	huma.Register(s.api, ready, func(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
		if s.Ready == nil {
			return nil, &notReady{body: healthBody{Status: "unavailable", ReasonCode: ReasonStarting, Reason: "no database configured"}}
		}
		// Its own short deadline: a database that hangs makes the probe
		// answer 503 in time, not when the prober gives up.
		ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			code, reason, unexpected := readinessOf(err)
			if unexpected {
				s.log.WarnContext(ctx, "not ready", "error", err)
			}
			return nil, &notReady{body: healthBody{Status: "unavailable", ReasonCode: code, Reason: reason}}
		}
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
	// The 503 carries the probe's body, not a problem document.
	op := s.api.OpenAPI().Paths[ReadyPath].Get
	op.Responses[strconv.Itoa(http.StatusServiceUnavailable)] = &huma.Response{
		Description: "Service Unavailable: not ready; reason_code says why (database_unreachable, migrations_pending, starting, " +
			"shutting_down). Retry after Retry-After seconds.",
		Content: map[string]*huma.MediaType{"application/json": {Schema: op.Responses["200"].Content["application/json"].Schema}},
	}
}
