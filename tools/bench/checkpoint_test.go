package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

func TestEnsureRandomCheckpoint(t *testing.T) {
	cfg := gpt2.Config{NLayer: 1, NEmbd: 8, NHead: 2, NPositions: 16, NInner: 32, VocabSize: 50,
		LayerNormEpsilon: 1e-5, Activation: "gelu_new"}
	dir := filepath.Join(t.TempDir(), "ckpt")
	written, err := EnsureRandomCheckpoint(dir, cfg, 1)
	if err != nil || !written {
		t.Fatalf("first call: written %v, err %v; want a new checkpoint", written, err)
	}
	got, err := gpt2.LoadConfig(dir)
	if err != nil || got != cfg {
		t.Fatalf("the checkpoint's config is %+v (%v), want %+v", got, err, cfg)
	}
	info, err := os.Stat(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	written, err = EnsureRandomCheckpoint(dir, cfg, 1)
	if err != nil || written {
		t.Fatalf("second call: written %v, err %v; want the checkpoint reused", written, err)
	}
	again, _ := os.Stat(filepath.Join(dir, "model.safetensors"))
	if !again.ModTime().Equal(info.ModTime()) {
		t.Error("the reused checkpoint was rewritten")
	}

	other := cfg
	other.NLayer = 2
	if _, err := EnsureRandomCheckpoint(dir, other, 1); err == nil || !strings.Contains(err.Error(), "another model") {
		t.Errorf("a directory holding another model gave %v, want an error saying so", err)
	}

	if err := os.Remove(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureRandomCheckpoint(dir, cfg, 1); err == nil || !strings.Contains(err.Error(), "no model.safetensors") {
		t.Errorf("a config without weights gave %v, want an error saying so", err)
	}
}
