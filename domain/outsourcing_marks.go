package domain

// NoticeDeadline is the last day on which notice (of non-renewal or
// termination) can be given: the end date minus the notice period. It is
// zero for an open-ended contract.
func (c *Contract) NoticeDeadline() Date {
	if c.EndDate.IsZero() {
		return Date{}
	}
	return c.EndDate.AddDays(-c.NoticePeriodDays)
}

// ExpiringOn reports whether a certification still valid on today expires
// within the longest reminder lead time, that is, whether its owner is
// being reminded of it: what pages mark as "expiring soon".
func (c Certification) ExpiringOn(today Date, p PolicySettings) bool {
	if c.ValidUntil.IsZero() || c.ValidUntil.Before(today) {
		return false
	}
	_, to := ScanWindow(today, p)
	return !c.ValidUntil.After(to)
}
