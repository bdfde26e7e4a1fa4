package hfcache

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// defaultEndpoint is the Hub's address unless HF_ENDPOINT says otherwise.
const defaultEndpoint = "https://huggingface.co"

// DefaultCacheDir returns the Hugging Face Hub cache directory, resolved as Python's huggingface_hub does:
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
// else ~/.cache/huggingface/hub.
func DefaultCacheDir() string {
	for _, key := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if dir := os.Getenv(key); dir != "" {
			return ExpandHome(dir)
		}
	}
	return filepath.Join(homeDir(), "hub")
}

// homeDir returns $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func homeDir() string {
	if dir := os.Getenv("HF_HOME"); dir != "" {
		return ExpandHome(dir)
	}
	if dir := os.Getenv("XDG_CACHE_HOME"); dir != "" {
		return filepath.Join(ExpandHome(dir), "huggingface")
	}
	return filepath.Join(userHome(), ".cache", "huggingface")
}

// userHome returns the user's home directory, or "." if it can't be found.
func userHome() string {
	if home, err := os.UserHomeDir(); err == nil {
		return home
	}
	if u, err := user.Current(); err == nil && u.HomeDir != "" {
		return u.HomeDir
	}
	return "."
}

// ExpandHome replaces a leading "~" of path p (alone or followed by a separator) with the user's home directory,
// as huggingface_hub does with the paths in its environment variables.
func ExpandHome(p string) string {
	if p == "~" {
		return userHome()
	}
	if strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(os.PathSeparator)) {
		return filepath.Join(userHome(), p[2:])
	}
	return p
}

// offlineFromEnv reports whether HF_HUB_OFFLINE turns offline mode on.
func offlineFromEnv() bool {
	switch strings.ToUpper(strings.TrimSpace(os.Getenv("HF_HUB_OFFLINE"))) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// endpoint returns $HF_ENDPOINT without a trailing slash, or https://huggingface.co.
func endpoint() string {
	if e := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/"); e != "" {
		return e
	}
	return defaultEndpoint
}

// token returns the access token to use: explicit, else $HF_TOKEN (or the older $HUGGING_FACE_HUB_TOKEN), else
// the content of the token file ($HF_TOKEN_PATH, else $HF_HOME/token). It returns "" when there is none.
func token(explicit string) string {
	if explicit != "" {
		return explicit
	}
	for _, key := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if tok := strings.TrimSpace(os.Getenv(key)); tok != "" {
			return tok
		}
	}
	tokenPath := os.Getenv("HF_TOKEN_PATH")
	if tokenPath == "" {
		tokenPath = filepath.Join(homeDir(), "token")
	}
	data, err := os.ReadFile(ExpandHome(tokenPath))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
