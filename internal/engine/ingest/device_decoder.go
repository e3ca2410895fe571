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
func (dec *DeviceDecoder) Decode(raw []byte) (engine.Device, *RecordError) {
	var d engine.Device
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
	if d.LastSyncDateTime, err = optionalTime(o, "lastSyncDateTime"); err != nil {
		return d, err
	}
	d.UserPrincipalName = lenientText(o, "userPrincipalName")
	d.DeviceName = lenientText(o, "deviceName")
	d.ManagementState = lenientText(o, "managementState")
	d.ComplianceState = lenientText(o, "complianceState")
	d.OperatingSystem = lenientText(o, "operatingSystem")
	return d, nil
}
