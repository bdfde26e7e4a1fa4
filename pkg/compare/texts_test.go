package compare

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// TestDefaultTexts: six texts in a documented order, each well within GPT-2's 1024 positions; the shuffled
// control is a fixed permutation of the Nietzsche passage's tokens.
func TestDefaultTexts(t *testing.T) {
	texts, err := DefaultTexts()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tx := range texts {
		names = append(names, tx.Name)
		enc, err := tx.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(enc.IDs); n < 100 || n > 400 {
			t.Errorf("%s has %d tokens, want 100 to 400", tx.Name, n)
		}
		t.Logf("%-20s %3d tokens  %s", tx.Name, len(enc.IDs), tx.About)
	}
	if !slices.Equal(names, TextNames()) || names[0] != TextNietzsche || names[5] != TextShuffled {
		t.Errorf("texts %v, want %v", names, TextNames())
	}
	tok, err := tokenizer.New()
	if err != nil {
		t.Fatal(err)
	}
	orig, err := tok.Encode(lesson.NietzscheText)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := texts[5].IDs
	if slices.Equal(shuffled, orig.IDs) {
		t.Fatal("the shuffled control is in the original order")
	}
	sorted := func(xs []int) []int { ys := slices.Clone(xs); slices.Sort(ys); return ys }
	if !slices.Equal(sorted(shuffled), sorted(orig.IDs)) {
		t.Error("the shuffled control is not a permutation of the passage's tokens")
	}
	again, err := ShuffledIDs(lesson.NietzscheText, ShuffleSeed)
	if err != nil || !slices.Equal(again, shuffled) {
		t.Error("the shuffle is not deterministic")
	}
	// The first tokens of the permutation with seed 1, recorded: a change of the shuffle would change every
	// published number of the control.
	if want := []int{465, 284, 198, 16266, 5206, 338, 9101, 607}; !slices.Equal(shuffled[:8], want) {
		t.Errorf("the shuffled control starts %v, recorded %v: the permutation changed", shuffled[:8], want)
	}
	if other, _ := ShuffledIDs(lesson.NietzscheText, 2); slices.Equal(other, shuffled) {
		t.Error("seeds 1 and 2 give the same order")
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "go-source") {
		t.Errorf("an unknown built-in text: error %v, want one listing the names", err)
	}
}

func TestTextFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my text.txt")
	if err := os.WriteFile(path, []byte("Hello\r\nworld"), 0o644); err != nil {
		t.Fatal(err)
	}
	tx, err := TextFromFile(path)
	if err != nil || tx.Name != "my text" || tx.Text != "Hello\r\nworld" || tx.Source != path {
		t.Errorf("TextFromFile = %+v, %v", tx, err)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := TextFromFile(empty); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty file: error %v", err)
	}
	if _, err := TextFromFile(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("a missing file should be an error")
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv(env.Models, "")
	t.Setenv(env.Model, "")
	t.Setenv(env.TextsDir, "")
	t.Setenv(env.TextFile, "")
	def := DefaultModels()
	if got, note := ModelsFromEnv(def); !slices.Equal(got, def) || note != "" {
		t.Errorf("no variables: %v, %q", got, note)
	}
	t.Setenv(env.Model, "gpt2-xl")
	if got, note := ModelsFromEnv(def); !slices.Equal(got, []string{"gpt2-xl"}) || !strings.Contains(note, env.Model) {
		t.Errorf("GPT2TAPS_MODEL: %v, %q", got, note)
	}
	t.Setenv(env.Models, " a, /b/c ,,")
	if got, note := ModelsFromEnv(def); !slices.Equal(got, []string{"a", "/b/c"}) || !strings.Contains(note, env.Models) {
		t.Errorf("GPT2TAPS_MODELS wins: %v, %q", got, note)
	}

	builtin, _ := DefaultTexts()
	if got, note, err := TextsFromEnv(builtin); err != nil || len(got) != len(builtin) || note != "" {
		t.Errorf("no variables: %d texts, %q, %v", len(got), note, err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{"b.txt": "Second.", "a.txt": "First.", "skip.md": "not a text"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(env.TextsDir, dir)
	got, note, err := TextsFromEnv(builtin)
	if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Text != "Second." || !strings.Contains(note, env.TextsDir) {
		t.Errorf("GPT2TAPS_TEXTS_DIR: %+v, %q, %v", got, note, err)
	}
	t.Setenv(env.TextFile, filepath.Join(dir, "a.txt"))
	if _, _, err := TextsFromEnv(builtin); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("both set: error %v", err)
	}
	t.Setenv(env.TextsDir, "")
	if got, _, err := TextsFromEnv(builtin); err != nil || len(got) != 1 || got[0].Text != "First." {
		t.Errorf("GPT2TAPS_TEXT_FILE: %+v, %v", got, err)
	}
	t.Setenv(env.TextFile, "")
	for _, bad := range []string{filepath.Join(dir, "missing"), t.TempDir()} {
		t.Setenv(env.TextsDir, bad)
		if _, _, err := TextsFromEnv(builtin); err == nil || !strings.Contains(err.Error(), env.TextsDir) {
			t.Errorf("GPT2TAPS_TEXTS_DIR=%s: error %v", bad, err)
		}
	}
}

func TestLabels(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/ckpt", "b/ckpt", "solo"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got := labels([]string{"gpt2", filepath.Join(root, "a/ckpt"), filepath.Join(root, "b/ckpt"), filepath.Join(root, "solo"), "org/name"})
	want := []string{"gpt2", "a/ckpt", "b/ckpt", "solo", "org/name"}
	if !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
}

func TestHumanUnits(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{humanBytes(548e6), "548 MB"}, {humanBytes(3.25e9), "3.25 GB"}, {humanBytes(665), "665 B"},
		{humanCount(124439808), "124 M"}, {humanCount(1557611200), "1.56 B"},
		{humanDuration(0.42), "0.4 s"}, {humanDuration(42), "42 s"}, {humanDuration(200), "3 min 20 s"},
		{humanDuration(120), "2 min"}, {humanDuration(3900), "1 h 5 min"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
