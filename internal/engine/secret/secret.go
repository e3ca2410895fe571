// Package secret seals the secrets the engine keeps in its store (the
// Microsoft Graph client secret) with AES-256-GCM, under a key that lives
// in a file outside the store. A copy of the database, its WAL or a
// PostgreSQL dump holds only ciphertext; reading a secret back takes the
// key file too, which only its owner can read.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// sealedPrefix marks a sealed value and its format, so that a later format
// can be told apart.
const sealedPrefix = "aes256gcm:v1:"

var (
	// ErrKeyFile: the key file cannot be used (malformed, or readable by
	// others).
	ErrKeyFile = errors.New("unusable secret key file")
	// ErrWrongKey: a sealed value does not open with this key: it was
	// sealed with another one, or it was altered.
	ErrWrongKey = errors.New("the sealed secret does not open with this key (sealed with another key, or altered)")
)

// Key seals and opens secrets.
type Key struct {
	aead cipher.AEAD
}

// NewKey makes a Key of KeySize raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w: a key is %d bytes, not %d", ErrKeyFile, KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// Seal encrypts plaintext for purpose, which binds the sealed value to its
// use: a value sealed as one setting does not open as another.
func (k *Key) Seal(plaintext, purpose string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(purpose))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned for the same purpose.
func (k *Key) Open(sealed, purpose string) (string, error) {
	body, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("%w: not a sealed value", ErrWrongKey)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", fmt.Errorf("%w: malformed", ErrWrongKey)
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}

// IsSealed reports whether a stored value is sealed, as opposed to a
// plaintext one an earlier version stored.
func IsSealed(v string) bool { return strings.HasPrefix(v, sealedPrefix) }

// LoadKey reads a key file: the key as hex (64 digits), surrounded by
// white space or not. A file that its group or others may read or write
// is refused, as is anything but a regular file.
func LoadKey(path string) (*Key, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrKeyFile, path)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s can be read or written by other users (mode %s): chmod 600 it",
			ErrKeyFile, path, info.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("%w: %s does not hold a key (%d hex digits)", ErrKeyFile, path, 2*KeySize)
	}
	return NewKey(raw)
}

// LoadOrCreateKey reads the key file, creating it with a new random key
// (mode 0600, its directory 0700 when it has to be made) when it does not
// exist. Processes racing to create it agree on one key: the file appears
// whole, with a hard link, or not at all.
func LoadOrCreateKey(path string) (*Key, error) {
	k, err := LoadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".secret-key-*")
	if err != nil {
		return nil, err
	}
	// The temporary name goes whether or not the link made the key file.
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.WriteString(hex.EncodeToString(raw) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	// CreateTemp made the file 0600. Link fails if another process won
	// the race: its key is the one to use.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return LoadKey(path)
}
