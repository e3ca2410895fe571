package engine

import "fmt"

// Page selects a slice of a listing (users, remediations): at most Limit
// rows (0: all of them) after skipping Offset. Listings keep a stable
// order, so that pages read one after the other cover it.
type Page struct {
	Limit  int
	Offset int
}

// Validate refuses a negative limit or offset.
func (p Page) Validate() error {
	if p.Limit < 0 || p.Offset < 0 {
		return fmt.Errorf("%w: limit and offset must be 0 or more", ErrInvalid)
	}
	return nil
}

// UserPage is a page of the users at risk, by user principal name then
// user id, and how many there are in all.
type UserPage struct {
	Users []User `json:"users"`
	Total int    `json:"total"`
}

// RemediationPage is a page of the audit log, oldest first, and how many
// entries it has in all.
type RemediationPage struct {
	Remediations []Remediation `json:"remediations"`
	Total        int           `json:"total"`
}
