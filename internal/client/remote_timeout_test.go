package client_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// silentServer accepts connections and never answers, like a server
// wedged on something: the remote client must give up on its own.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// Every call of the remote client is bounded: reads and settings by
// ReadTimeout, syncs and pushes by LongTimeout, so that `terraform plan`
// can never hang on a server that does not answer.
func TestRemoteCallsAreBounded(t *testing.T) {
	c, err := client.NewRemote(client.RemoteConfig{Endpoint: silentServer(t), Token: token,
		ReadTimeout: 200 * time.Millisecond, LongTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	calls := map[string]func() error{
		"Alerts": func() error { _, err := c.Alerts(ctx, engine.AlertQuery{}); return err },
		"Integration": func() error {
			_, err := c.Integration(ctx)
			return err
		},
		"SetIntegration": func() error {
			_, err := c.SetIntegration(ctx, engine.DefaultIntegration())
			return err
		},
		"Status": func() error { _, err := c.Status(ctx); return err },
		"Sync":   func() error { _, err := c.Sync(ctx); return err },
		"IngestDetections": func() error {
			_, err := c.IngestDetections(ctx, strings.NewReader("{}\n"), "s")
			return err
		},
		"IngestDetections, a stream": func() error {
			_, err := c.IngestDetections(ctx, struct{ *strings.Reader }{strings.NewReader("{}\n")}, "s")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- call() }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer within") {
					t.Fatalf("got %v, want the bound's deadline", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("the call did not return: it is not bounded")
			}
		})
	}
}
