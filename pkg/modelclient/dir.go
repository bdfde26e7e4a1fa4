package modelclient

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// PrivateDir is the directory of the user's model server sockets and logs:
// $XDG_RUNTIME_DIR/gpt2taps when XDG_RUNTIME_DIR is set, else
// os.TempDir()/gpt2taps-<uid>. It is created with mode 0700 and refused, with
// an error saying what to fix, when it is not a directory owned by the user
// and closed to everybody else (see CheckPrivateDir).
func PrivateDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "gpt2taps-"+strconv.Itoa(os.Getuid()))
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
		dir = filepath.Join(x, "gpt2taps")
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return "", fmt.Errorf("model server directory %s: %w", dir, err)
	}
	return dir, CheckPrivateDir(dir)
}

// CheckPrivateDir checks that dir is a directory (not a symbolic link) owned
// by the user, which nobody else may read, write or enter: the sockets in it
// run the user's model on the user's files.
func CheckPrivateDir(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("model server directory %s: %w", dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("model server directory %s is not a directory: remove it, or set GPT2TAPS_SERVER=off", dir)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("model server directory %s belongs to uid %d, not to you (uid %d): remove it, or set GPT2TAPS_SERVER=off", dir, st.Uid, os.Getuid())
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("model server directory %s is open to others (mode %v): run chmod 700 %s, or set GPT2TAPS_SERVER=off", dir, perm, dir)
	}
	return nil
}

// SocketPath is the socket of the server for the checkpoint directory dir on
// backend, in the private directory priv: one server per (checkpoint,
// backend, protocol version).
func SocketPath(priv, dir, backend string) string {
	return filepath.Join(priv, "model-"+serverID(dir, backend)+".sock")
}

// serverID names the server of (dir, backend).
func serverID(dir, backend string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	h := sha256.Sum256([]byte("gpt2taps-server/" + strconv.Itoa(Version) + "\x00" + dir + "\x00" + backend))
	return hex.EncodeToString(h[:8])
}

// maxSocketPath is the longest path a Unix socket may have on every Unix
// (sun_path is 104 bytes on macOS and the BSDs, 108 on Linux).
const maxSocketPath = 103

// checkSocketPath fails when path is too long for a socket.
func checkSocketPath(path string) error {
	if len(path) > maxSocketPath {
		return fmt.Errorf("model server socket %s is longer than %d bytes: set XDG_RUNTIME_DIR to a shorter directory, or set GPT2TAPS_SERVER=off", path, maxSocketPath)
	}
	return nil
}
