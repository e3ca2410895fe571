package ingest

import (
	"github.com/valyala/fastjson"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// DeviceDecoder decodes Graph managedDevice objects; one decoder serves one
// goroutine.
type DeviceDecoder struct {
	parser fastjson.Parser
}

// Decode validates one record: id and userId are required strings, and
// lastSyncDateTime, when present, must be a time; the rest is lenient.
// Devices are few, so properties are looked up by name.
func (dec *DeviceDecoder) Decode(raw []byte) (engine.Device, *RecordError) {
	var d engine.Device
	o, rerr := parseObject(&dec.parser, raw)
	if rerr != nil {
		return d, rerr
	}
	t := newTexts(len(raw))
	var err *RecordError
	if d.ID, err = t.requiredText(o.Get("id"), "id"); err != nil {
		return d, err
	}
	if d.UserID, err = t.requiredText(o.Get("userId"), "userId"); err != nil {
		return d, err
	}
	if d.LastSyncDateTime, err = optionalTime(o.Get("lastSyncDateTime"), "lastSyncDateTime"); err != nil {
		return d, err
	}
	d.UserPrincipalName = t.lenientText(o.Get("userPrincipalName"))
	d.DeviceName = t.lenientText(o.Get("deviceName"))
	d.ManagementState = t.lenientText(o.Get("managementState"))
	d.ComplianceState = t.lenientText(o.Get("complianceState"))
	d.OperatingSystem = t.lenientText(o.Get("operatingSystem"))
	return d, nil
}
