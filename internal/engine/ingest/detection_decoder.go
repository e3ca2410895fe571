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

// The properties of a riskDetection, in the order the decoder checks them.
const (
	pID = iota
	pUserID
	pRiskEventType
	pRiskType
	pActivityDateTime
	pDetectedDateTime
	pLastUpdatedDateTime
	pRiskLevel
	pRiskState
	pActivity
	pRequestID
	pCorrelationID
	pRiskDetail
	pSource
	pDetectionTimingType
	pTokenIssuerType
	pIPAddress
	pUserDisplayName
	pUserPrincipalName
	pAdditionalInfo
	pLocation
	propertyCount
)

// property maps a Graph property name to its slot; -1 for others.
func property(key []byte) int {
	switch string(key) {
	case "id":
		return pID
	case "userId":
		return pUserID
	case "riskEventType":
		return pRiskEventType
	case "riskType":
		return pRiskType
	case "activityDateTime":
		return pActivityDateTime
	case "detectedDateTime":
		return pDetectedDateTime
	case "lastUpdatedDateTime":
		return pLastUpdatedDateTime
	case "riskLevel":
		return pRiskLevel
	case "riskState":
		return pRiskState
	case "activity":
		return pActivity
	case "requestId":
		return pRequestID
	case "correlationId":
		return pCorrelationID
	case "riskDetail":
		return pRiskDetail
	case "source":
		return pSource
	case "detectionTimingType":
		return pDetectionTimingType
	case "tokenIssuerType":
		return pTokenIssuerType
	case "ipAddress":
		return pIPAddress
	case "userDisplayName":
		return pUserDisplayName
	case "userPrincipalName":
		return pUserPrincipalName
	case "additionalInfo":
		return pAdditionalInfo
	case "location":
		return pLocation
	}
	return -1
}

// Decode validates one record and returns the detection, or the reason it
// must be quarantined. The object is walked once; when a property appears
// twice, the first occurrence counts.
func (dec *DetectionDecoder) Decode(raw []byte) (engine.Detection, *RecordError) {
	var d engine.Detection
	o, rerr := parseObject(&dec.parser, raw)
	if rerr != nil {
		return d, rerr
	}
	var p [propertyCount]*fastjson.Value
	o.Visit(func(key []byte, v *fastjson.Value) {
		if i := property(key); i >= 0 && p[i] == nil {
			p[i] = v
		}
	})
	t := newTexts(len(raw))
	var err *RecordError
	if d.ID, err = t.requiredText(p[pID], "id"); err != nil {
		return d, err
	}
	if d.UserID, err = t.requiredText(p[pUserID], "userId"); err != nil {
		return d, err
	}
	if d.RiskEventType, err = riskEventType(&t, p[pRiskEventType], p[pRiskType]); err != nil {
		return d, err
	}
	if d.ActivityDateTime, err = requiredTime(p[pActivityDateTime], "activityDateTime"); err != nil {
		return d, err
	}
	if d.DetectedDateTime, err = optionalTime(p[pDetectedDateTime], "detectedDateTime"); err != nil {
		return d, err
	}
	if d.LastUpdatedDateTime, err = optionalTime(p[pLastUpdatedDateTime], "lastUpdatedDateTime"); err != nil {
		return d, err
	}
	if d.RiskLevel, err = t.checkedText(p[pRiskLevel], "riskLevel"); err != nil {
		return d, err
	}
	if d.RiskState, err = t.checkedText(p[pRiskState], "riskState"); err != nil {
		return d, err
	}
	if d.Activity, err = t.checkedText(p[pActivity], "activity"); err != nil {
		return d, err
	}
	d.RequestID = t.lenientText(p[pRequestID])
	d.CorrelationID = t.lenientText(p[pCorrelationID])
	d.RiskDetail = t.lenientText(p[pRiskDetail])
	d.Source = t.lenientText(p[pSource])
	d.DetectionTimingType = t.lenientText(p[pDetectionTimingType])
	d.TokenIssuerType = t.lenientText(p[pTokenIssuerType])
	d.IPAddress = t.lenientText(p[pIPAddress])
	d.UserDisplayName = t.lenientText(p[pUserDisplayName])
	d.UserPrincipalName = t.lenientText(p[pUserPrincipalName])
	d.AdditionalInfo = t.lenientText(p[pAdditionalInfo])
	d.Location = location(&t, p[pLocation])
	return d, nil
}

// riskEventType reads riskEventType, or the beta name riskType when the v1.0
// name is absent or null.
func riskEventType(t *texts, v1, beta *fastjson.Value) (string, *RecordError) {
	if v1 != nil && v1.Type() != fastjson.TypeNull {
		return t.requiredText(v1, "riskEventType")
	}
	if beta != nil && beta.Type() != fastjson.TypeNull {
		return t.requiredText(beta, "riskType")
	}
	return "", reject("riskEventType is missing")
}

// location is lenient: null, absent or not an object means no location; odd
// members are kept as text or dropped (coordinates that are not numbers).
func location(t *texts, v *fastjson.Value) *engine.Location {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	o := v.GetObject()
	loc := &engine.Location{
		City:            t.lenientText(o.Get("city")),
		State:           t.lenientText(o.Get("state")),
		CountryOrRegion: t.lenientText(o.Get("countryOrRegion")),
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

// number reads a finite JSON number; absent, null, text or out-of-range
// values are not numbers.
func number(v *fastjson.Value) (float64, bool) {
	if v == nil || v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	f, err := v.Float64()
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
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
