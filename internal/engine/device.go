package engine

import "time"

// Device is one Microsoft Graph managedDevice: what user risk analytics
// needs to decide whether a user already works on a managed device.
type Device struct {
	ID                string    `json:"id"`
	UserID            string    `json:"userId"`
	UserPrincipalName string    `json:"userPrincipalName,omitempty"`
	DeviceName        string    `json:"deviceName,omitempty"`
	ManagementState   string    `json:"managementState,omitempty"`
	ComplianceState   string    `json:"complianceState,omitempty"`
	OperatingSystem   string    `json:"operatingSystem,omitempty"`
	LastSyncDateTime  time.Time `json:"lastSyncDateTime,omitzero"`
}

// ManagedAndCompliant is the device state that spares a user the
// require_managed_device action.
func (d *Device) ManagedAndCompliant() bool {
	return d.ManagementState == "managed" && d.ComplianceState == "compliant"
}
