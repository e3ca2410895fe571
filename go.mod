module github.com/idp/terraform-provider-idp

go 1.26.8

require (
	github.com/hashicorp/go-hclog v1.6.3
	golang.org/x/oauth2 v0.38.0
	golang.org/x/time v0.16.0
)

require (
	github.com/fatih/color v1.13.0 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
