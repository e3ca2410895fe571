package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// ErrPlaintextExposed: tokens and detections must not cross a network in
// the clear.
var ErrPlaintextExposed = errors.New("refusing to serve without TLS on an address other hosts can reach: give --tls-cert and --tls-key, listen on a loopback address, or pass --insecure (for a TLS-terminating proxy on the same host, say)")

// IsLoopback reports whether every address the listen address can bind is
// a loopback one. An empty host (all interfaces) is not.
func IsLoopback(ctx context.Context, addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("%w: listen address %q: %w", engine.ErrInvalid, addr, err)
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return false, nil
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return false, fmt.Errorf("resolving the listen address %q: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

// CheckListen refuses plaintext on a non-loopback address unless insecure.
func CheckListen(ctx context.Context, addr string, tlsOn, insecure bool) error {
	if tlsOn || insecure {
		return nil
	}
	loopback, err := IsLoopback(ctx, addr)
	if err != nil {
		return err
	}
	if !loopback {
		return fmt.Errorf("%w (%s)", ErrPlaintextExposed, addr)
	}
	return nil
}

// TLSConfig loads a certificate and key (PEM files) for serving: TLS 1.2
// at least.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("%w: --tls-cert and --tls-key go together", engine.ErrInvalid)
	}
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
