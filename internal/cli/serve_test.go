package cli_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

const serveToken = "process-test-token-7b3e91c4d5e6f7a8b9c0d1e2"

// serveProcess starts `engine serve` and returns it with the address it
// listens on (read from its JSON log) and its whole log so far.
type serveProcess struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

func startServe(t *testing.T, env []string, args ...string) *serveProcess {
	t.Helper()
	cmd := engineCmd(t, context.Background(), env, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			var entry struct {
				Message string `json:"@message"`
				Address string `json:"address"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Message == "serving" {
				addr <- entry.Address
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("engine serve exited before serving:\n%s", p.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("engine serve did not start:\n%s", p.logs())
	}
	return p
}

func (p *serveProcess) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func pushBatch(prefix string, n int) (string, []engine.DetectionKey) {
	var b strings.Builder
	keys := make([]engine.DetectionKey, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		fmt.Fprintf(&b, `{"id":%q,"userId":"u%d","riskEventType":"leakedCredentials","riskLevel":"medium","activityDateTime":"2025-06-10T08:00:00Z"}`+"\n", id, i%40)
		keys[i] = engine.KeyOf(id)
	}
	return b.String(), keys
}

// TestServeProcessTLSAndSIGTERM runs `engine serve` with a token file and
// TLS, pushes batches through the remote client from several goroutines,
// sends SIGTERM while pushes are in flight, and checks that the process
// drains and exits 0, that every push answered 200 is in the store in full
// and every other one wholly in or out, and that the token never reached
// the log.
func TestServeProcessTLSAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := servertest.SelfSigned(t)
	tokenFile := filepath.Join(dir, "tokens")
	os.WriteFile(tokenFile, []byte("# rotated out next week\nold-token-value-0123456789abcdef0123\n"+serveToken+"\n"), 0o600)
	dataDir := filepath.Join(dir, "data")
	p := startServe(t, nil, "--data-dir", dataDir, "--token-file", tokenFile, "--tls-cert", certFile, "--tls-key", keyFile,
		"--shutdown-timeout", "60s", "--poll-interval", "0")

	c, err := client.NewRemote(client.RemoteConfig{Endpoint: "https://" + p.addr, Token: serveToken,
		TLSConfig: &tls.Config{RootCAs: pool}, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Policies(context.Background()); err != nil {
		t.Fatalf("the remote client over TLS: %v", err)
	}

	type result struct {
		keys []engine.DetectionKey
		ok   bool
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	answered := make(chan struct{}, 1000)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				body, keys := pushBatch(fmt.Sprintf("w%d-%d", w, i), 3000)
				_, err := c.IngestDetections(context.Background(), strings.NewReader(body), "load")
				if err != nil {
					t.Logf("push failed: %v", err)
				}
				mu.Lock()
				results = append(results, result{keys, err == nil})
				mu.Unlock()
				answered <- struct{}{}
				if err != nil {
					return
				}
			}
		}(w)
	}
	for i := 0; i < 8; i++ {
		<-answered
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- p.cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("engine serve exited with %v after SIGTERM:\n%s", err, p.logs())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("engine serve did not stop after SIGTERM:\n%s", p.logs())
	}
	wg.Wait()
	<-p.done

	svc, err := storeopen.Service(context.Background(), service.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	var ok int
	for _, r := range results {
		var n int
		err := svc.Store().View(context.Background(), func(rd store.Reader) error {
			got, err := rd.Detections(context.Background(), r.keys)
			n = len(got)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.ok && n != len(r.keys) {
			t.Fatalf("a push answered 200 has %d of its %d detections stored", n, len(r.keys))
		}
		if !r.ok && n != 0 && n != len(r.keys) {
			t.Fatalf("a failed push was half-written: %d of %d", n, len(r.keys))
		}
		if r.ok {
			ok++
		}
	}
	logs := p.logs()
	for _, want := range []string{`"@message":"draining`, `"@message":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, serveToken) || strings.Contains(logs, "old-token-value-0123456789abcdef0123") {
		t.Fatalf("the log holds a token:\n%s", logs)
	}
	t.Logf("%d pushes answered 200 and stored in full, %d failed cleanly", ok, len(results)-ok)
}

func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens")
	os.WriteFile(tokenFile, []byte(serveToken+"\n"), 0o600)
	looseFile := filepath.Join(dir, "loose-tokens")
	os.WriteFile(looseFile, []byte(serveToken+"\n"), 0o644)
	os.Chmod(looseFile, 0o644)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"plain HTTP on all interfaces", nil, []string{"--listen", "0.0.0.0:0", "--token-file", tokenFile}, "refusing to serve without TLS"},
		{"no token", nil, []string{"--listen", "127.0.0.1:0"}, "no API token"},
		{"blank token file", nil, []string{"--listen", "127.0.0.1:0", "--token-file", os.DevNull}, "no API token"},
		{"certificate without key", nil, []string{"--listen", "127.0.0.1:0", "--token-file", tokenFile, "--tls-cert", tokenFile}, "go together"},
		{"bad log level", []string{"IDP_TOKENS=x"}, []string{"--log-level", "loud"}, "--log-level"},
		{"one-character token", []string{"IDP_TOKENS=x"}, []string{"--listen", "127.0.0.1:0"}, "shorter than 32 characters"},
		{"unknown scope", []string{"IDP_TOKENS=write:" + serveToken}, []string{"--listen", "127.0.0.1:0"}, `unknown scope "write"`},
		{"token file others can read", nil, []string{"--listen", "127.0.0.1:0", "--token-file", looseFile}, "chmod 600"},
		{"missing source root", nil, []string{"--listen", "127.0.0.1:0", "--token-file", tokenFile, "--source-root", filepath.Join(dir, "none")}, "source root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := engineCmd(t, context.Background(), tc.env, append([]string{"serve", "--data-dir", dir}, tc.args...)...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), tc.want) {
				t.Fatalf("exit %v, output %q; want a refusal mentioning %q", err, out, tc.want)
			}
		})
	}
}
