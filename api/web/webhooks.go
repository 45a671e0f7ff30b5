package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// webhookRoutes registers the administrators' webhook pages: the
// subscriptions, a new one, one with its delivery log, and its actions
// (ping, rotate the secret, enable, disable), each the API operation's
// service call.
func (h *Handler) webhookRoutes(r chi.Router) {
	r = r.With(h.needs(domain.PermAdmin))
	r.Get("/admin/webhooks", h.webhookList)
	r.Get("/admin/webhooks/new", h.webhookNew)
	r.Post("/admin/webhooks", h.webhookCreate)
	r.Get("/admin/webhooks/{id}", h.webhookPage)
	r.Post("/admin/webhooks/{id}/ping", h.webhookPing)
	r.Post("/admin/webhooks/{id}/rotate-secret", h.webhookRotate)
	r.Post("/admin/webhooks/{id}/enable", h.webhookEnable)
	r.Post("/admin/webhooks/{id}/disable", h.webhookDisable)
}

// webhookListData is the subscriptions list.
type webhookListData struct {
	Items []*domain.WebhookSubscription
	List  List
}

func (h *Handler) webhookList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	page, err := h.cfg.Webhooks.ListWebhooks(r.Context(), lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "webhooks_list.html", webhookListData{Items: page.Items, List: newList("/admin/webhooks", lq, page.NextCursor, h.today())})
}

// webhookFormData is the new-subscription form.
type webhookFormData struct {
	Types  []domain.WebhookEventType
	People []*domain.Person
	// Checked are the event types ticked (on a refused form).
	Checked map[domain.WebhookEventType]bool
}

func (h *Handler) webhookForm(r *http.Request) (*webhookFormData, error) {
	active := true
	people, err := h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	d := &webhookFormData{Types: domain.WebhookEventTypes, People: people.Items, Checked: map[domain.WebhookEventType]bool{}}
	if r.PostForm != nil {
		for _, t := range r.PostForm["event_types"] {
			d.Checked[domain.WebhookEventType(t)] = true
		}
	}
	return d, nil
}

func (h *Handler) webhookNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.webhookForm(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "webhooks_new.html", d)
}

// webhookSecretData is the page that shows a secret, this once.
type webhookSecretData struct {
	W      *domain.WebhookSubscription
	Secret string
}

func (h *Handler) webhookCreate(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	d, err := h.webhookForm(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := domain.WebhookSubscriptionInput{URL: ff.String("url"), Description: ff.String("description"), OwnerID: ff.String("owner_id")}
	for _, t := range r.PostForm["event_types"] {
		in.EventTypes = append(in.EventTypes, domain.WebhookEventType(t))
	}
	sub, secret, err := h.cfg.Webhooks.CreateWebhook(r.Context(), in)
	if err != nil {
		h.refused(w, r, "webhooks_new.html", d, err)
		return
	}
	h.page(w, r, "webhooks_secret.html", webhookSecretData{W: sub, Secret: secret})
}

// webhookData is one subscription's page: its facts and delivery log.
type webhookData struct {
	W          *domain.WebhookSubscription
	Owner      string
	Deliveries []*domain.WebhookDelivery
	List       List
}

func (h *Handler) loadWebhook(r *http.Request, id string) (*webhookData, error) {
	sub, err := h.cfg.Webhooks.FindWebhook(r.Context(), id)
	if err != nil {
		return nil, err
	}
	lq := readList(r)
	log, err := h.cfg.Webhooks.ListWebhookDeliveries(r.Context(), id, domain.WebhookDeliveryFilter{}, lq.Page)
	if err != nil {
		return nil, err
	}
	return &webhookData{W: sub, Owner: h.personName(r, sub.OwnerID), Deliveries: log.Items,
		List: newList(pathf("/admin/webhooks/%s", id), lq, log.NextCursor, h.today())}, nil
}

func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadWebhook(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "webhooks_show.html", d)
}

// webhookAction runs one action of the subscription's page with the
// form's version, and returns to the page with a notice.
func (h *Handler) webhookAction(w http.ResponseWriter, r *http.Request, flash string, act func(id string, version *int, ff *formFields) error) {
	id := chi.URLParam(r, "id")
	d, err := h.loadWebhook(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	if err := ff.Err(); err != nil {
		h.refused(w, r, "webhooks_show.html", d, err)
		return
	}
	if err := act(id, version, ff); err != nil {
		h.refused(w, r, "webhooks_show.html", d, err)
		return
	}
	redirect(w, r, pathf("/admin/webhooks/%s", id), flash)
}

func (h *Handler) webhookPing(w http.ResponseWriter, r *http.Request) {
	h.webhookAction(w, r, "webhook_pinged", func(id string, _ *int, _ *formFields) error {
		_, err := h.cfg.Webhooks.PingWebhook(r.Context(), id)
		return err
	})
}

func (h *Handler) webhookEnable(w http.ResponseWriter, r *http.Request) {
	h.webhookAction(w, r, "webhook_enabled", func(id string, v *int, _ *formFields) error {
		_, err := h.cfg.Webhooks.EnableWebhook(r.Context(), id, v)
		return err
	})
}

func (h *Handler) webhookDisable(w http.ResponseWriter, r *http.Request) {
	h.webhookAction(w, r, "webhook_disabled", func(id string, v *int, ff *formFields) error {
		_, err := h.cfg.Webhooks.DisableWebhook(r.Context(), id, v, ff.String("reason"))
		return err
	})
}

// webhookRotate makes a new secret and shows it, this once.
func (h *Handler) webhookRotate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := h.loadWebhook(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	if err := ff.Err(); err != nil {
		h.refused(w, r, "webhooks_show.html", d, err)
		return
	}
	sub, secret, err := h.cfg.Webhooks.RotateWebhookSecret(r.Context(), id, version, 0)
	if err != nil {
		h.refused(w, r, "webhooks_show.html", d, err)
		return
	}
	h.page(w, r, "webhooks_secret.html", webhookSecretData{W: sub, Secret: secret})
}
