package domain

// Default and maximum page sizes of every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Page is one page of a list and the cursor of the next one ("" at the end).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// PageRequest asks for one page: at most Limit items after Cursor, an opaque
// value taken from a previous Page.NextCursor ("" for the first page).
type PageRequest struct {
	Limit  int
	Cursor string
}

// Size returns the effective page size: DefaultPageSize when unset, clamped to
// MaxPageSize.
func (p PageRequest) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}
