package client

import "github.com/idp/terraform-provider-idp/internal/api"

// Version is an engine's release and API versions (Client.Version), and
// APIVersion the API version this client speaks: named here so that the
// provider, which sees only the client, can compare them.
type Version = api.Version

const APIVersion = api.APIVersion
