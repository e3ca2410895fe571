package graph

import (
	"context"
	"strings"
)

const opDevices = "list managedDevices"

// DeviceFields are the managedDevice properties the engine reads (ARCHITECTURE.md,
// contract §4); $select keeps Intune from sending its hundred others.
var DeviceFields = []string{
	"id", "userId", "userPrincipalName", "deviceName",
	"managementState", "complianceState", "operatingSystem", "lastSyncDateTime",
}

// PullDevices reads every managed device, calling fn once per page with the
// raw JSON of each element. Device state is a snapshot, not a change feed,
// so there is no cursor: each pull reads all of it. The page size is left
// to Intune, which pages on its own.
func (c *Client) PullDevices(ctx context.Context, fn func(records [][]byte) error) error {
	link := c.cfg.GraphURL + "/v1.0/deviceManagement/managedDevices?" +
		query("$select", strings.Join(DeviceFields, ","))
	pages, records := 0, 0
	for link != "" {
		p, _, err := c.getPage(ctx, get(opDevices, PermissionManagedDevices, link))
		if err != nil {
			return err
		}
		pages++
		records += len(p.Value)
		if err := fn(p.records()); err != nil {
			return err
		}
		link = p.NextLink
	}
	c.log.Debug("devices pulled", "pages", pages, "records", records)
	return nil
}
