// Command terraform-provider-idp is the idp Terraform provider and, when run
// as `terraform-provider-idp engine <command>`, the engine's command line.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"golang.org/x/term"

	"github.com/idp/terraform-provider-idp/internal/cli"
	"github.com/idp/terraform-provider-idp/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "engine" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, os.Args[2:], cli.Env{
			Stdin:            os.Stdin,
			Stdout:           os.Stdout,
			Stderr:           os.Stderr,
			StderrIsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
			Version:          version,
		})
		stop()
		os.Exit(code)
	}

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/idp/idp",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
