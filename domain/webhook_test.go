package domain_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestWebhookEventFor(t *testing.T) {
	for _, c := range []struct {
		entity, action string
		want           domain.WebhookEventType
		ok             bool
	}{
		{"vendor", "create", domain.EventVendorCreated, true},
		{"vendor", "approve", domain.EventVendorChanged, true},
		{"vendor", "delete", domain.EventVendorChanged, true},
		{"contract", "set_clause", domain.EventClauseChanged, true},
		{"contract", "approve_waiver", domain.EventClauseChanged, true},
		{"contract", "activate", domain.EventContractChanged, true},
		{"incident", "create", domain.EventIncidentCreated, true},
		{"reminder", "sent", domain.EventReminderChanged, true},
		{"policy_review", "approve", domain.EventPolicyReviewChanged, true},
		{"person", "create", "", false},
		{"token", "create", "", false},
		{"settings", "update", "", false},
		{"webhook", "create", "", false},
		{"catalogue_item", "seed", "", false},
	} {
		got, ok := domain.WebhookEventFor(c.entity, c.action)
		require.Equal(t, c.ok, ok, "%s %s", c.entity, c.action)
		require.Equal(t, c.want, got, "%s %s", c.entity, c.action)
		if ok {
			require.True(t, got.Valid(), "%s is subscribable", got)
		}
	}
}

func TestWebhookTargetRefusal(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "127.8.9.10", "::1", "169.254.169.254", "fe80::1", "10.0.0.1", "172.16.5.4",
		"192.168.0.1", "fd12:3456::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "100.64.1.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
		"198.18.0.1", "255.255.255.255"} {
		require.NotEmpty(t, domain.WebhookTargetRefusal(netip.MustParseAddr(ip)), ip)
	}
	for _, ip := range []string{"8.8.8.8", "133.242.0.1", "2001:4860:4860::8888", "100.128.0.1"} {
		require.Empty(t, domain.WebhookTargetRefusal(netip.MustParseAddr(ip)), ip)
	}
	require.Equal(t, "loopback address", domain.WebhookHostRefusal("127.0.0.1:8080"))
	require.Equal(t, "loopback address", domain.WebhookHostRefusal("[::1]:443"))
	require.NotEmpty(t, domain.WebhookHostRefusal("localhost:80"), "only addresses are dialled")
}

func TestWebhookSubscriptionInputCheck(t *testing.T) {
	ok := domain.WebhookSubscriptionInput{URL: "https://hooks.example.com/a?b=c", EventTypes: []domain.WebhookEventType{domain.EventVendorCreated}}
	require.Empty(t, ok.Check())
	for _, url := range []string{"ftp://x.example", "https://", "https://user:pw@x.example/", "//x.example", "https://x.example/#f", "x"} {
		in := ok
		in.URL = url
		require.NotEmpty(t, in.Check(), url)
	}
	in := ok
	in.EventTypes = []domain.WebhookEventType{domain.EventVendorCreated, domain.EventVendorCreated, "vendor.exploded", domain.EventPing}
	fe := in.Check()
	require.Len(t, fe, 3, "a duplicate, an unknown type, and the ping, which no one subscribes to")
}

func TestWebhookSignature(t *testing.T) {
	// The example of the Standard Webhooks specification.
	sig, err := domain.WebhookSignature([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	require.NoError(t, err)
	require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig)
	two, err := domain.WebhookSignature([]string{domain.NewWebhookSecret(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	require.NoError(t, err)
	require.Regexp(t, `^v1,\S+ v1,g0hM9SsE\+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=$`, two)
}
