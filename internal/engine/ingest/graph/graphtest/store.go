package graphtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// record is one stored Graph object, kept as the JSON it was given.
type record struct {
	key     string // id, or a position for objects without one
	raw     json.RawMessage
	updated time.Time // lastUpdatedDateTime; zero when absent or unparseable
}

// collection keeps records by id; adding an id again replaces the record,
// as an update in Graph does, unless the new copy is older.
type collection struct {
	byKey map[string]int
	recs  []record
}

func newCollection() *collection { return &collection{byKey: map[string]int{}} }

func (c *collection) upsert(raw []byte) error {
	var head struct {
		ID          any    `json:"id"`
		LastUpdated string `json:"lastUpdatedDateTime"`
	}
	if !json.Valid(raw) || bytes.TrimSpace(raw)[0] != '{' {
		return fmt.Errorf("graphtest: not a JSON object: %.80s", raw)
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		// A property of an odd type (say "lastUpdatedDateTime": 5): the
		// engine must quarantine it, so Graph serves it all the same.
		head.ID, head.LastUpdated = nil, ""
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		_ = json.Unmarshal(m["id"], &head.ID)
	}
	r := record{raw: append(json.RawMessage(nil), bytes.TrimSpace(raw)...)}
	if id, ok := head.ID.(string); ok && id != "" {
		r.key = "id:" + id
	} else {
		r.key = fmt.Sprintf("pos:%d", len(c.recs))
	}
	if t, err := time.Parse(time.RFC3339Nano, head.LastUpdated); err == nil {
		r.updated = t
	}
	if i, ok := c.byKey[r.key]; ok {
		// Graph holds the latest version of an object: a stale copy (an
		// older lastUpdatedDateTime) changes nothing.
		if old := c.recs[i].updated; r.updated.IsZero() || old.IsZero() || !r.updated.Before(old) {
			c.recs[i] = r
		}
		return nil
	}
	c.byKey[r.key] = len(c.recs)
	c.recs = append(c.recs, r)
	return nil
}

// AddDetections stores riskDetections: each value is JSON ([]byte,
// json.RawMessage or string) or a Go value marshalled to JSON, such as an
// engine.Detection. An id already stored is replaced.
func (s *Server) AddDetections(values ...any) error { return s.add(s.detections, values) }

// AddDevices stores managedDevices, as AddDetections does.
func (s *Server) AddDevices(values ...any) error { return s.add(s.devices, values) }

// LoadDetections stores the riskDetections of an NDJSON stream.
func (s *Server) LoadDetections(r io.Reader) error { return s.load(s.detections, r) }

// LoadDevices stores the managedDevices of an NDJSON stream.
func (s *Server) LoadDevices(r io.Reader) error { return s.load(s.devices, r) }

// DetectionCount is the number of stored riskDetections.
func (s *Server) DetectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.detections.recs)
}

func (s *Server) add(c *collection, values []any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		var raw []byte
		switch v := v.(type) {
		case []byte:
			raw = v
		case json.RawMessage:
			raw = v
		case string:
			raw = []byte(v)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("graphtest: %w", err)
			}
			raw = b
		}
		if err := c.upsert(raw); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) load(c *collection, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	s.mu.Lock()
	defer s.mu.Unlock()
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := c.upsert(b); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// sorted returns the records in serving order: by lastUpdatedDateTime then
// id, or, unordered, by a hash of the id that has nothing to do with time.
func (c *collection) sorted(unordered bool) []record {
	out := append([]record(nil), c.recs...)
	if unordered {
		sort.SliceStable(out, func(i, j int) bool { return scramble(out[i].key) < scramble(out[j].key) })
		return out
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].updated.Equal(out[j].updated) {
			return out[i].updated.Before(out[j].updated)
		}
		return out[i].key < out[j].key
	})
	return out
}

// scramble is FNV-1a: a fixed order unrelated to the records' times.
func scramble(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
