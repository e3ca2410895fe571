package graphtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// managedDeviceProperties are the managedDevice properties $select may
// name here: those the engine reads and a few it does not.
var managedDeviceProperties = map[string]bool{
	"id": true, "userId": true, "userPrincipalName": true, "deviceName": true,
	"managementState": true, "complianceState": true, "operatingSystem": true,
	"lastSyncDateTime": true, "osVersion": true, "emailAddress": true,
	"azureADDeviceId": true, "managedDeviceOwnerType": true, "enrolledDateTime": true,
}

// listDevices is GET /v1.0/deviceManagement/managedDevices with $select.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, func() ([]json.RawMessage, int, bool) {
		var sel []string
		if v := r.URL.Query().Get("$select"); v != "" {
			for _, p := range strings.Split(v, ",") {
				p = strings.TrimSpace(p)
				if !managedDeviceProperties[p] {
					graphError(w, http.StatusBadRequest, "BadRequest", "Could not find a property named '"+p+"' on type 'microsoft.graph.managedDevice'.")
					return nil, 0, false
				}
				sel = append(sel, p)
			}
		}
		var out []json.RawMessage
		for _, rec := range s.devices.sorted(false) {
			out = append(out, project(rec.raw, sel))
		}
		size := s.behavior.DevicePageSize
		if size <= 0 {
			size = DefaultDevicePageSize
		}
		return out, size, true
	})
}

// project keeps the selected properties of a record (all without $select).
func project(raw json.RawMessage, sel []string) json.RawMessage {
	if len(sel) == 0 {
		return raw
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	out := make(map[string]json.RawMessage, len(sel))
	for _, p := range sel {
		if v, ok := m[p]; ok {
			out[p] = v
		} else {
			out[p] = json.RawMessage("null")
		}
	}
	b, _ := json.Marshal(out)
	return b
}
