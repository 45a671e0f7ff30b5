package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// A key's id and checkpoint key follow from the secret alone; a short
// secret is refused; a checkpoint checks with the public key alone and not
// after any change.
func TestAuditKeyAndCheckpointSignature(t *testing.T) {
	_, err := domain.NewAuditKey("too short")
	require.ErrorContains(t, err, "at least 16 characters")
	a, err := domain.NewAuditKey("  the same secret, twice  \n")
	require.NoError(t, err)
	b, err := domain.NewAuditKey("the same secret, twice")
	require.NoError(t, err)
	require.Equal(t, a.ID(), b.ID())
	require.Regexp(t, `^[0-9a-f]{16}$`, a.ID())
	require.Equal(t, a.ID(), domain.AuditKeyIDOf(a.PublicKey()))
	c, err := domain.NewAuditKey("another secret entirely")
	require.NoError(t, err)
	require.NotEqual(t, a.ID(), c.ID())
	require.Contains(t, a.PublicKeyPEM(), "-----BEGIN PUBLIC KEY-----")

	cp := a.SignCheckpoint(42, "ab", time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	require.Equal(t, "vendorwatch audit checkpoint v1\nseq: 42\nhash: ab\nat: 2027-04-01T00:00:00Z\nkey_id: "+a.ID()+"\n", cp.Message)
	require.NoError(t, domain.VerifyCheckpointSignature(cp, a.PublicKey()))
	require.Error(t, domain.VerifyCheckpointSignature(cp, c.PublicKey()), "another key's public key")
	moved := cp
	moved.Seq = 41
	require.Error(t, domain.VerifyCheckpointSignature(moved, a.PublicKey()))

	// Under a key, the hash is not the plain SHA-256 and covers the key id.
	es := chain(2)
	e := *es[1]
	e.KeyID = a.ID()
	keyed := e.ComputeHash(a)
	require.NotEqual(t, e.ComputeHash(nil), keyed)
	require.NotEqual(t, e.ComputeHash(c), keyed)
	e.KeyID = c.ID()
	require.NotEqual(t, e.ComputeHash(a), keyed)
}
