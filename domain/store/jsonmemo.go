package store

import (
	"encoding/json"
	"sync"
)

// jsonMemo remembers what the JSON text of a column decoded to, so that a
// row read again (a contract's information assets and subcontractors, on
// every list page) is not decoded again: decoding took a fifth of a list
// page's time. Values are handed out as copies, since callers may change
// what they get. It holds at most maxJSONMemo texts and starts afresh past
// that.
type jsonMemo[T any] struct {
	mu sync.RWMutex
	m  map[string][]T
}

// maxJSONMemo bounds each memo; the texts are short (lists of names).
const maxJSONMemo = 4096

// maxJSONMemoText is the longest text remembered.
const maxJSONMemoText = 2048

// decode returns the list text decodes to, or nil when it does not.
func (c *jsonMemo[T]) decode(text string) []T {
	if len(text) > maxJSONMemoText {
		return unmarshalList[T](text)
	}
	c.mu.RLock()
	v, ok := c.m[text]
	c.mu.RUnlock()
	if !ok {
		v = unmarshalList[T](text)
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxJSONMemo {
			c.m = map[string][]T{}
		}
		c.m[text] = v
		c.mu.Unlock()
	}
	if v == nil {
		return nil
	}
	return append(make([]T, 0, len(v)), v...)
}

func unmarshalList[T any](text string) []T {
	var out []T
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil
	}
	return out
}
