package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// WebhookOutput is one webhook subscription with its ETag.
type WebhookOutput struct {
	ETag string `header:"ETag" doc:"The subscription's version as a strong ETag; send it back in If-Match."`
	Body *domain.WebhookSubscription
}

func webhookOutput(w *domain.WebhookSubscription) *WebhookOutput {
	return &WebhookOutput{ETag: etag(w.Version), Body: w}
}

// WebhookWithSecret is a subscription with its signing secret, shown once.
type WebhookWithSecret struct {
	*domain.WebhookSubscription
	Secret string `json:"secret" pattern:"^whsec_[A-Za-z0-9+/=]{44}$" doc:"The signing secret (Standard Webhooks: whsec_ and base64 of 32 bytes). Shown only in this response: verify webhook-signature with it."`
}

// WebhookSecretOutput is the answer to create-webhook and rotate-webhook-secret.
type WebhookSecretOutput struct {
	ETag         string `header:"ETag" doc:"The subscription's version as a strong ETag."`
	CacheControl string `header:"Cache-Control" doc:"no-store: the secret must not be cached."`
	Body         WebhookWithSecret
}

// WebhookDeliveryOutput is one delivery.
type WebhookDeliveryOutput struct {
	Body *domain.WebhookDelivery
}

// WebhookDisable is the body of disable-webhook.
type WebhookDisable struct {
	Reason string `json:"reason" required:"false" maxLength:"500" doc:"Why deliveries stop."`
}

func (s *Server) registerWebhooks() {
	const tag = "Webhooks"
	const about = " Deliveries are POSTed as {type, timestamp, data} and signed as the Standard Webhooks specification says " +
		"(webhook-id, webhook-timestamp, webhook-signature). Admin only."
	huma.Register(s.api, operation{
		ID: "list-webhooks", Method: http.MethodGet, Path: "/v1/webhooks", Tag: tag,
		Summary: "List webhook subscriptions", Description: "Lists webhook subscriptions, oldest first, without their secrets." + about,
		Permission: domain.PermAdmin, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct{ PageParams }) (*ListOutput[*domain.WebhookSubscription], error) {
		page, err := s.Webhooks.ListWebhooks(ctx, in.request())
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return listOutput(ctx, page), nil
	})

	huma.Register(s.api, operation{
		ID: "create-webhook", Method: http.MethodPost, Path: "/v1/webhooks", Tag: tag,
		Summary: "Subscribe a URL to events",
		Description: "Creates an active subscription of a URL to event types. Every change of those types committed from now on " +
			"is delivered once to it (retried with backoff, with the same webhook-id, until a 2xx answer). The secret is in this " +
			"response only." + about,
		Permission: domain.PermAdmin, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.WebhookSubscriptionInput
	}) (*WebhookSecretOutput, error) {
		w, secret, err := s.Webhooks.CreateWebhook(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &WebhookSecretOutput{ETag: etag(w.Version), CacheControl: "no-store", Body: WebhookWithSecret{WebhookSubscription: w, Secret: secret}}, nil
	})

	huma.Register(s.api, operation{
		ID: "get-webhook", Method: http.MethodGet, Path: "/v1/webhooks/{id}", Tag: tag,
		Summary: "Get a webhook subscription", Description: "Returns one subscription without its secret." + about,
		Permission: domain.PermAdmin, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*WebhookOutput, error) {
		w, err := s.Webhooks.FindWebhook(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return webhookOutput(w), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-webhook", Method: http.MethodPut, Path: "/v1/webhooks/{id}", Tag: tag,
		Summary: "Edit a webhook subscription", Description: "Replaces the URL, event types, description and owner." + about,
		Permission: domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.WebhookSubscriptionInput
	}) (*WebhookOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		w, err := s.Webhooks.ReplaceWebhook(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return webhookOutput(w), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-webhook", Method: http.MethodDelete, Path: "/v1/webhooks/{id}", Tag: tag,
		Summary: "Delete a webhook subscription", Description: "Deletes a subscription and its delivery log; pending deliveries are not sent." + about,
		Permission: domain.PermAdmin, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.Webhooks.DeleteWebhook(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})

	huma.Register(s.api, operation{
		ID: "rotate-webhook-secret", Method: http.MethodPost, Path: "/v1/webhooks/{id}/rotate-secret", Tag: tag,
		Summary: "Rotate a webhook subscription's secret",
		Description: "Makes a new secret, shown in this response only. The previous one stays valid for webhook_secret_grace_hours: " +
			"until then every delivery carries two signatures (webhook-signature lists one per secret), so receivers can switch " +
			"without missing a delivery." + about,
		Permission: domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*WebhookSecretOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		w, secret, err := s.Webhooks.RotateWebhookSecret(ctx, in.ID, v, 0)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &WebhookSecretOutput{ETag: etag(w.Version), CacheControl: "no-store", Body: WebhookWithSecret{WebhookSubscription: w, Secret: secret}}, nil
	})

	huma.Register(s.api, operation{
		ID: "enable-webhook", Method: http.MethodPost, Path: "/v1/webhooks/{id}/enable", Tag: tag,
		Summary:     "Enable a webhook subscription again",
		Description: "Activates a disabled subscription and clears its failure count. Changes made while it was disabled are not sent." + about,
		Permission:  domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*WebhookOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		w, err := s.Webhooks.EnableWebhook(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return webhookOutput(w), nil
	})

	huma.Register(s.api, operation{
		ID: "disable-webhook", Method: http.MethodPost, Path: "/v1/webhooks/{id}/disable", Tag: tag,
		Summary:     "Disable a webhook subscription",
		Description: "Stops deliveries, with the reason; pending ones fail without being sent. 409 when already disabled." + about,
		Permission:  domain.PermAdmin, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body *WebhookDisable `required:"false"`
	}) (*WebhookOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		reason := ""
		if in.Body != nil {
			reason = in.Body.Reason
		}
		w, err := s.Webhooks.DisableWebhook(ctx, in.ID, v, reason)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return webhookOutput(w), nil
	})

	huma.Register(s.api, operation{
		ID: "ping-webhook", Method: http.MethodPost, Path: "/v1/webhooks/{id}/ping", Tag: tag,
		Summary: "Send a test delivery",
		Description: "Queues a webhook.ping delivery to the subscription (active or not), signed like every other; its outcome " +
			"appears in the delivery log." + about,
		Permission: domain.PermAdmin, Status: http.StatusAccepted, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*WebhookDeliveryOutput, error) {
		d, err := s.Webhooks.PingWebhook(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &WebhookDeliveryOutput{Body: d}, nil
	})

	huma.Register(s.api, operation{
		ID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/v1/webhooks/{id}/deliveries", Tag: tag,
		Summary: "List a subscription's deliveries",
		Description: "The delivery log of a subscription, newest first: each event with its attempts, status and the last " +
			"answer (status, the first KiB of its body, or the error)." + about,
		Permission: domain.PermAdmin, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		PageParams
		Status string `query:"status" enum:"pending,delivered,failed" doc:"Only deliveries in this status."`
	}) (*ListOutput[*domain.WebhookDelivery], error) {
		page, err := s.Webhooks.ListWebhookDeliveries(ctx, in.ID, domain.WebhookDeliveryFilter{Status: in.Status}, in.request())
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return listOutput(ctx, page), nil
	})
}
