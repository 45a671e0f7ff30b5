package export

import (
	"context"
	"fmt"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Services are what a Lookup reads; any may be nil for the lists that do
// not need it.
type Services struct {
	People      domain.PersonService
	Departments domain.DepartmentService
	Vendors     domain.VendorService
	Contracts   domain.ContractService
}

// NewLookup resolves references through the services, remembering each
// record it read for the rest of the export.
func NewLookup(ctx context.Context, s Services) Lookup {
	return &lookup{ctx: ctx, s: s, seen: map[domain.ColumnRef]map[string]string{}}
}

type lookup struct {
	ctx  context.Context
	s    Services
	seen map[domain.ColumnRef]map[string]string
}

func (l *lookup) Ref(ref domain.ColumnRef, id string) (string, error) {
	m := l.seen[ref]
	if m == nil {
		m = map[string]string{}
		l.seen[ref] = m
	}
	if v, ok := m[id]; ok {
		return v, nil
	}
	var v string
	switch ref {
	case domain.RefPersonEmail:
		if l.s.People == nil {
			return id, nil
		}
		p, err := l.s.People.FindPerson(l.ctx, id)
		if err != nil {
			return "", err
		}
		v = p.Email
	case domain.RefDepartmentName:
		if l.s.Departments == nil {
			return id, nil
		}
		d, err := l.s.Departments.FindDepartment(l.ctx, id)
		if err != nil {
			return "", err
		}
		v = d.Name
	case domain.RefVendor:
		if l.s.Vendors == nil {
			return id, nil
		}
		vd, err := l.s.Vendors.FindVendor(l.ctx, id)
		if err != nil {
			return "", err
		}
		v = vd.CorporateNumber
		if v == "" {
			v = vd.Name
		}
	default:
		return "", fmt.Errorf("export: unknown column reference %q", ref)
	}
	if len(m) < 100000 {
		m[id] = v
	}
	return v, nil
}

func (l *lookup) ContractClauses(id string) ([]domain.ClauseCoverage, error) {
	if l.s.Contracts == nil {
		return nil, nil
	}
	return l.s.Contracts.ContractClauses(l.ctx, id)
}
