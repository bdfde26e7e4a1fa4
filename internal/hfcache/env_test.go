package hfcache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/hfcache/hubtest"
)

func TestToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	hubtest.WriteDir(t, filepath.Dir(tokenFile), map[string][]byte{"token": []byte("hf_from_file\n")})
	tests := []struct {
		name, explicit, env, path, want string
	}{
		{"explicit wins", "hf_explicit", "hf_env", tokenFile, "hf_explicit"},
		{"HF_TOKEN", "", "hf_env", tokenFile, "hf_env"},
		{"token file", "", "", tokenFile, "hf_from_file"},
		{"none", "", "", filepath.Join(t.TempDir(), "absent"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HF_TOKEN", tt.env)
			t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
			t.Setenv("HF_TOKEN_PATH", tt.path)
			if got := token(tt.explicit); got != tt.want {
				t.Errorf("token(%q) = %q, want %q", tt.explicit, got, tt.want)
			}
		})
	}
}

func TestDefaultCacheDir(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                                   string
		hubCache, legacyCache, hfHome, xdgHome string
		want                                   string
	}{
		{"HF_HUB_CACHE", "/c/hub", "/c/legacy", "/c/home", "/c/xdg", "/c/hub"},
		{"HUGGINGFACE_HUB_CACHE", "", "/c/legacy", "/c/home", "/c/xdg", "/c/legacy"},
		{"HF_HOME", "", "", "/c/home", "/c/xdg", "/c/home/hub"},
		{"XDG_CACHE_HOME", "", "", "", "/c/xdg", "/c/xdg/huggingface/hub"},
		{"default", "", "", "", "", filepath.Join(home, ".cache", "huggingface", "hub")},
		{"tilde", "~/hfcache", "", "", "", filepath.Join(home, "hfcache")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HF_HUB_CACHE", tt.hubCache)
			t.Setenv("HUGGINGFACE_HUB_CACHE", tt.legacyCache)
			t.Setenv("HF_HOME", tt.hfHome)
			t.Setenv("XDG_CACHE_HOME", tt.xdgHome)
			if got := DefaultCacheDir(); got != filepath.FromSlash(tt.want) {
				t.Errorf("DefaultCacheDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidRepoID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"gpt2", true},
		{"gpt2-large", true},
		{"openai-community/gpt2-large", true},
		{"some_org/model.v2", true},
		{"./gpt2", false},
		{"../models/gpt2", false},
		{"/data/gpt2", false},
		{"~/gpt2", false},
		{"models/gpt2/large", false},
		{"org/bad name", false},
		{"org--name", false},
		{"-gpt2", false},
		{"gpt2.", false},
		{"gpt 2", false},
		{"org/name.git", false},
	}
	for _, tt := range tests {
		if got := ValidRepoID(tt.id); got != tt.want {
			t.Errorf("ValidRepoID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestFormatProgress(t *testing.T) {
	tests := []struct {
		done, total int64
		want        string
	}{
		{0, 548105171, "0 B / 548.1 MB (0%)"},
		{1200000000, 3250000000, "1.2 GB / 3.2 GB (36%)"},
		{999, -1, "999 B"},
		{6431829964, 6431829964, "6.4 GB / 6.4 GB (100%)"},
	}
	for _, tt := range tests {
		if got := formatProgress(tt.done, tt.total); got != tt.want {
			t.Errorf("formatProgress(%d, %d) = %q, want %q", tt.done, tt.total, got, tt.want)
		}
	}
}
