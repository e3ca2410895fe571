package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/secret"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// The Graph client secret is never stored in plaintext and never read
// back. The store keeps it sealed (AES-256-GCM, engine/secret) under a key
// in a file outside the store: Config.SecretKeyFile, else
// SecretKeyFileEnv, else, for SQLite, secret.key in the data directory,
// created on first use (mode 0600). A PostgreSQL store has no such default:
// every engine on the database must share the key, so its operator names
// the file. Integration answers say only whether a secret is held
// (engine.GraphSource.ClientSecretSet).

// SecretKeyFileEnv names the key file that seals the secrets the store
// keeps.
const SecretKeyFileEnv = "IDP_SECRET_KEY_FILE"

// DefaultSecretKeyFile is the key file's name in the data directory.
const DefaultSecretKeyFile = "secret.key"

// graphSecretPurpose binds a sealed value to the one setting it is.
const graphSecretPurpose = "idp integration source.graph.client_secret"

// ErrNoSecretKey: a secret is to be stored in (or read from) PostgreSQL,
// and no key file is named.
var ErrNoSecretKey = errors.New("a client secret is kept in PostgreSQL only sealed with a key file that every engine " +
	"on the database shares: name it with " + SecretKeyFileEnv + " (engine serve: --secret-key-file), or leave the " +
	"secret unset and give " + GraphSecretEnv + " to the engines that sync")

// secretKeyPath is where the key lives.
func (s *Service) secretKeyPath() (string, error) {
	if s.cfg.SecretKeyFile != "" {
		return s.cfg.SecretKeyFile, nil
	}
	if p := os.Getenv(SecretKeyFileEnv); p != "" {
		return p, nil
	}
	if s.cfg.DatabaseURL != "" {
		return "", ErrNoSecretKey
	}
	return filepath.Join(s.cfg.DataDir, DefaultSecretKeyFile), nil
}

// secretKey loads the key, creating it the first time a secret is sealed
// (create), and keeps it for later calls.
func (s *Service) secretKey(create bool) (*secret.Key, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	path, err := s.secretKeyPath()
	if err != nil {
		return nil, err
	}
	load := secret.LoadKey
	if create {
		load = secret.LoadOrCreateKey
	}
	k, err := load(path)
	if err != nil {
		return nil, fmt.Errorf("the key that seals stored secrets, %s (%s; engine serve --secret-key-file): %w", path, SecretKeyFileEnv, err)
	}
	s.key = k
	return k, nil
}

// sealGraphSecret seals a client secret for the store. Without a key to
// seal it with, the setting is refused, naming it.
func (s *Service) sealGraphSecret(plain string) (string, error) {
	k, err := s.secretKey(true)
	if errors.Is(err, ErrNoSecretKey) {
		return "", &engine.FieldError{Field: "source.graph.client_secret", Err: fmt.Errorf("%w: %w", engine.ErrInvalid, err)}
	}
	if err != nil {
		return "", err
	}
	return k.Seal(plain, graphSecretPurpose)
}

// storedGraphSecret is the secret a stored graph source holds, in
// plaintext, for the sync that sends it to Microsoft: "" when none.
func (s *Service) storedGraphSecret(g engine.GraphSource) (string, error) {
	if g.SealedClientSecret == "" {
		// Stored in plaintext by an earlier version, until the next write
		// seals it.
		return g.ClientSecret, nil
	}
	k, err := s.secretKey(false)
	if err != nil {
		return "", err
	}
	plain, err := k.Open(g.SealedClientSecret, graphSecretPurpose)
	if err != nil {
		path, _ := s.secretKeyPath()
		return "", fmt.Errorf("the stored client secret, with the key %s: %w (engines sharing a store must share its key file)", path, err)
	}
	return plain, nil
}

// forStore is the integration as the store keeps it: a new secret sealed,
// the stored one kept when the caller asked to keep it, and no plaintext.
// sealed is the new secret already sealed (outside the transaction).
func (s *Service) forStore(ctx context.Context, r store.Reader, in engine.Integration, sealed string) (engine.Integration, error) {
	if in.Source == nil || in.Source.Graph == nil {
		return in, nil
	}
	g := *in.Source.Graph
	switch {
	case g.ClientSecret != "":
		g.SealedClientSecret = sealed
	case g.ClientSecretSet:
		prev, err := integration(ctx, r)
		if err != nil {
			return in, err
		}
		g.SealedClientSecret = ""
		if prev.Source != nil && prev.Source.Graph != nil {
			g.SealedClientSecret = prev.Source.Graph.SealedClientSecret
			if legacy := prev.Source.Graph; legacy.SealedClientSecret == "" && legacy.ClientSecret != "" {
				if g.SealedClientSecret, err = s.sealGraphSecret(legacy.ClientSecret); err != nil {
					return in, err
				}
			}
		}
	default:
		g.SealedClientSecret = ""
	}
	g.ClientSecret, g.ClientSecretSet = "", false
	return withGraph(in, g), nil
}

// redacted is the integration as answers show it: whether a secret is
// held, never the secret, sealed or not.
func redacted(in engine.Integration) engine.Integration {
	if in.Source == nil || in.Source.Graph == nil {
		return in
	}
	g := *in.Source.Graph
	g.ClientSecretSet = g.SealedClientSecret != "" || g.ClientSecret != ""
	g.ClientSecret, g.SealedClientSecret = "", ""
	return withGraph(in, g)
}

// withGraph is in with its graph source replaced by g, sharing nothing
// with in's.
func withGraph(in engine.Integration, g engine.GraphSource) engine.Integration {
	src := *in.Source
	src.Graph = &g
	in.Source = &src
	return in
}
