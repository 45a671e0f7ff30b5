package domain

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AuditKeyMinLength is the shortest secret NewAuditKey takes: a generated
// key is 64 hex digits; a passphrase shorter than this is too easy to guess
// from a key id or a checkpoint.
const AuditKeyMinLength = 16

// AuditKeyRotated is the action of the event that starts a new key segment
// of the audit chain: its entity is the new key (EntityType "audit_key",
// EntityID the new key id) and its Before names the previous key id.
const AuditKeyRotated = "audit_key_rotated"

// AuditKeyEntity is the entity type of AuditKeyRotated events.
const AuditKeyEntity = "audit_key"

// AuditKey is a secret that keys the audit chain. It is never stored in the
// database: each event's hash is an HMAC-SHA-256 under a key derived from
// it, so whoever can write the database but has not the key cannot forge an
// event. From the same secret (HKDF-SHA-256, one label each) come the
// Ed25519 key that signs checkpoints and the key id, the fingerprint of the
// public key that events and checkpoints carry.
type AuditKey struct {
	id     string
	mac    []byte
	signer ed25519.PrivateKey
}

// NewAuditKey derives the keys from secret (surrounding white space is not
// part of it). It fails when the secret is shorter than AuditKeyMinLength.
func NewAuditKey(secret string) (*AuditKey, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < AuditKeyMinLength {
		return nil, fmt.Errorf("the audit key must be at least %d characters long", AuditKeyMinLength)
	}
	derive := func(label string) []byte {
		b, err := hkdf.Key(sha256.New, []byte(secret), []byte("vendorwatch audit"), label, 32)
		if err != nil {
			panic(err) // only for lengths past 255*32
		}
		return b
	}
	k := &AuditKey{mac: derive("chain hmac"), signer: ed25519.NewKeyFromSeed(derive("checkpoint ed25519"))}
	k.id = AuditKeyIDOf(k.PublicKey())
	return k, nil
}

// AuditKeyIDOf is the key id of a checkpoint public key: the first 16 hex
// digits of its SHA-256. Anyone holding the public key can compute it.
func AuditKeyIDOf(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// ID is the key id: a fingerprint that names the key, never the key.
func (k *AuditKey) ID() string { return k.id }

// PublicKey is the Ed25519 key that checks this key's checkpoints.
func (k *AuditKey) PublicKey() ed25519.PublicKey { return k.signer.Public().(ed25519.PublicKey) }

// PublicKeyPEM is PublicKey as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo),
// as openssl reads it.
func (k *AuditKey) PublicKeyPEM() string { return PublicKeyPEM(k.PublicKey()) }

// PublicKeyPEM encodes an Ed25519 public key as a PEM "PUBLIC KEY" block.
func PublicKeyPEM(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // Ed25519 keys always marshal
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PublicKeyBytes decodes the checkpoint's base64 public key.
func (cp AuditCheckpoint) PublicKeyBytes() (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(cp.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the public key is not base64 of 32 bytes")
	}
	return ed25519.PublicKey(b), nil
}

// AuditKeyring is every key a process knows: the Current one, under which it
// appends, and the Previous ones, under which older segments of the chain
// (and their checkpoints) still verify after a rotation.
type AuditKeyring struct {
	Current  *AuditKey
	Previous []*AuditKey
}

// ID is the current key's id; "" without a key (the legacy, unkeyed chain).
func (r AuditKeyring) ID() string {
	if r.Current == nil {
		return ""
	}
	return r.Current.id
}

// Lookup returns the key with that id, or nil.
func (r AuditKeyring) Lookup(id string) *AuditKey {
	if r.Current != nil && r.Current.id == id {
		return r.Current
	}
	for _, k := range r.Previous {
		if k.id == id {
			return k
		}
	}
	return nil
}

// Keyed reports whether the ring holds any key.
func (r AuditKeyring) Keyed() bool { return r.Current != nil || len(r.Previous) > 0 }

// AuditCheckpoint is a signed statement that the audit chain held, at At,
// Seq events whose last one has Hash. Kept in the database, written to the
// checkpoint folder and e-mailed to every ciso, it lets anyone with the
// public key find a later rewrite of the chain, even one consistent in
// itself.
type AuditCheckpoint struct {
	Seq       int64     `json:"seq" doc:"How many events the chain held."`
	Hash      string    `json:"hash" doc:"Hash of event seq."`
	At        time.Time `json:"at" doc:"When the checkpoint was signed (RFC 3339, UTC)."`
	KeyID     string    `json:"key_id" pattern:"^[0-9a-f]{16}$" doc:"Id of the audit key that signed it."`
	PublicKey string    `json:"public_key" doc:"The Ed25519 public key, base64 (32 bytes)."`
	Signature string    `json:"signature" doc:"Ed25519 signature of message, base64."`
	// Message is the exact signed text, for an outsider's tools (openssl).
	Message string `json:"message" doc:"The signed text: CheckpointMessage of the fields above."`
}

// CheckpointMessage is the text a checkpoint's signature covers: one field a
// line, in this order, with a trailing newline.
func CheckpointMessage(seq int64, hash string, at time.Time, keyID string) string {
	return fmt.Sprintf("vendorwatch audit checkpoint v1\nseq: %d\nhash: %s\nat: %s\nkey_id: %s\n",
		seq, hash, at.UTC().Format(time.RFC3339Nano), keyID)
}

// SignCheckpoint signs the head seq/hash at at under k.
func (k *AuditKey) SignCheckpoint(seq int64, hash string, at time.Time) AuditCheckpoint {
	at = at.UTC()
	msg := CheckpointMessage(seq, hash, at, k.id)
	return AuditCheckpoint{Seq: seq, Hash: hash, At: at, KeyID: k.id,
		PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey()),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(k.signer, []byte(msg))),
		Message:   msg}
}

// Checkpoint problems.
const (
	// CheckpointBadSignature: the signature does not hold under the key of
	// its key id (or the public key it carries is not that key's).
	CheckpointBadSignature = "bad_signature"
	// CheckpointUnknownKey: signed under a key the verifier does not have.
	CheckpointUnknownKey = "unknown_key"
	// CheckpointMismatch: the chain's event at seq has another hash, or the
	// chain ends before seq.
	CheckpointMismatch = "mismatch"
	// CheckpointUnreadable: a file in the checkpoint folder that does not
	// parse as one.
	CheckpointUnreadable = "unreadable"
)

// VerifyCheckpointSignature checks cp's signature against pub alone, as an
// outsider does: the key id must be pub's and the signature must cover
// CheckpointMessage of its fields.
func VerifyCheckpointSignature(cp AuditCheckpoint, pub ed25519.PublicKey) error {
	if cp.KeyID != AuditKeyIDOf(pub) {
		return errors.New("the checkpoint's key id is not this public key's")
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("the signature is not base64 of 64 bytes")
	}
	if !ed25519.Verify(pub, []byte(CheckpointMessage(cp.Seq, cp.Hash, cp.At, cp.KeyID)), sig) {
		return errors.New("the signature does not hold")
	}
	return nil
}

// checkCheckpoint returns the problem of cp's signature under the ring, or "".
func (r AuditKeyring) checkCheckpoint(cp AuditCheckpoint) string {
	k := r.Lookup(cp.KeyID)
	if k == nil {
		return CheckpointUnknownKey
	}
	if cp.PublicKey != "" && cp.PublicKey != base64.StdEncoding.EncodeToString(k.PublicKey()) {
		return CheckpointBadSignature
	}
	if VerifyCheckpointSignature(cp, k.PublicKey()) != nil {
		return CheckpointBadSignature
	}
	return ""
}

// macHex is the hex HMAC-SHA-256 of data under the key.
func (k *AuditKey) macHex(data []byte) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}
