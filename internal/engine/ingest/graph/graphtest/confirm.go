package graphtest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// confirmCompromised is POST
// /v1.0/identityProtection/riskyUsers/confirmCompromised with
// {"userIds": [...]}: 204 on success, 400 for a body that is not one or more
// than 60 ids.
func (s *Server) confirmCompromised(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UserIDs []string `json:"userIds"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(b, &body); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body: "+err.Error())
		return
	}
	s.calls = append(s.calls, body.UserIDs)
	switch n := len(body.UserIDs); {
	case n == 0:
		graphError(w, http.StatusBadRequest, "BadRequest", "userIds must not be empty.")
		return
	case n > MaxConfirmBatch:
		graphError(w, http.StatusBadRequest, "BadRequest", "userIds holds "+strconv.Itoa(n)+" ids; at most 60 are allowed.")
		return
	}
	for _, id := range body.UserIDs {
		if id == "" || slices.Contains(s.behavior.RejectUserIDs, id) {
			graphError(w, http.StatusNotFound, "ResourceNotFound", "User '"+id+"' was not found.")
			return
		}
	}
	s.confirmed = append(s.confirmed, body.UserIDs...)
	w.WriteHeader(http.StatusNoContent)
}
