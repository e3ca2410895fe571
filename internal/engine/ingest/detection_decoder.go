package ingest

import (
	"math"

	"github.com/valyala/fastjson"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// DetectionDecoder decodes Graph riskDetection objects. It reuses its parser
// between calls, so one decoder serves one goroutine.
type DetectionDecoder struct {
	parser fastjson.Parser
}

// Decode validates one record and returns the detection, or the reason it
// must be quarantined.
func (dec *DetectionDecoder) Decode(raw []byte) (engine.Detection, *RecordError) {
	var d engine.Detection
	o, rerr := parseObject(&dec.parser, raw)
	if rerr != nil {
		return d, rerr
	}
	var err *RecordError
	if d.ID, err = requiredText(o, "id"); err != nil {
		return d, err
	}
	if d.UserID, err = requiredText(o, "userId"); err != nil {
		return d, err
	}
	if d.RiskEventType, err = riskEventType(o); err != nil {
		return d, err
	}
	if d.ActivityDateTime, err = requiredTime(o, "activityDateTime"); err != nil {
		return d, err
	}
	if d.DetectedDateTime, err = optionalTime(o, "detectedDateTime"); err != nil {
		return d, err
	}
	if d.LastUpdatedDateTime, err = optionalTime(o, "lastUpdatedDateTime"); err != nil {
		return d, err
	}
	if d.RiskLevel, err = checkedText(o, "riskLevel"); err != nil {
		return d, err
	}
	if d.RiskState, err = checkedText(o, "riskState"); err != nil {
		return d, err
	}
	if d.Activity, err = checkedText(o, "activity"); err != nil {
		return d, err
	}
	d.RequestID = lenientText(o, "requestId")
	d.CorrelationID = lenientText(o, "correlationId")
	d.RiskDetail = lenientText(o, "riskDetail")
	d.Source = lenientText(o, "source")
	d.DetectionTimingType = lenientText(o, "detectionTimingType")
	d.TokenIssuerType = lenientText(o, "tokenIssuerType")
	d.IPAddress = lenientText(o, "ipAddress")
	d.UserDisplayName = lenientText(o, "userDisplayName")
	d.UserPrincipalName = lenientText(o, "userPrincipalName")
	d.AdditionalInfo = lenientText(o, "additionalInfo")
	d.Location = location(o.Get("location"))
	return d, nil
}

// riskEventType reads riskEventType, or the beta name riskType when the v1.0
// name is absent or null.
func riskEventType(o *fastjson.Object) (string, *RecordError) {
	if v := o.Get("riskEventType"); v != nil && v.Type() != fastjson.TypeNull {
		return requiredText(o, "riskEventType")
	}
	if v := o.Get("riskType"); v != nil && v.Type() != fastjson.TypeNull {
		return requiredText(o, "riskType")
	}
	return "", reject("riskEventType is missing")
}

// location is lenient: null, absent or not an object means no location; odd
// members are kept as text or dropped (coordinates that are not numbers).
func location(v *fastjson.Value) *engine.Location {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	o := v.GetObject()
	loc := &engine.Location{
		City:            lenientText(o, "city"),
		State:           lenientText(o, "state"),
		CountryOrRegion: lenientText(o, "countryOrRegion"),
	}
	if g := o.Get("geoCoordinates"); g != nil && g.Type() == fastjson.TypeObject {
		lat, latOK := number(g.Get("latitude"))
		lon, lonOK := number(g.Get("longitude"))
		if latOK && lonOK {
			loc.GeoCoordinates = &engine.GeoCoordinates{Latitude: lat, Longitude: lon}
		}
	}
	return loc
}

// parseObject parses raw as one JSON object.
func parseObject(p *fastjson.Parser, raw []byte) (*fastjson.Object, *RecordError) {
	v, err := p.ParseBytes(raw)
	if err != nil {
		return nil, reject("not valid JSON: %s", clip([]byte(err.Error())))
	}
	if v.Type() != fastjson.TypeObject {
		return nil, reject("not a JSON object (it is %s)", v.Type())
	}
	return v.GetObject(), nil
}

// number reads a finite JSON number; absent, null, text or out-of-range
// values are not numbers.
func number(v *fastjson.Value) (float64, bool) {
	if v == nil || v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	f, err := v.Float64()
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}
