package ingest

import "github.com/idp/terraform-provider-idp/internal/engine"

// detectionView gives tests the methods of engine.Detection by value.
type detectionView struct{ engine.Detection }
