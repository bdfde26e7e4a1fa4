package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/stfile"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// runCLI runs one command line in-process and returns the exit status and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTokenize(t *testing.T) {
	code, out, errOut := runCLI(t, "tokenize", "--text", "Hello world")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(got.IDs) != 2 || got.IDs[0] != 15496 || got.IDs[1] != 995 || got.Tokens[1] != " world" {
		t.Errorf("got %+v, want ids [15496 995], tokens [Hello, ' world']", got)
	}
	// --text-file, byte-exact (CRLF kept).
	path := filepath.Join(t.TempDir(), "t.txt")
	if err := os.WriteFile(path, []byte("a\r\nb"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "tokenize", "--text-file", path)
	// GPT-2 splits "\r\n" before a letter into "\r" (201) and "\n" (198), as HF does.
	if code != 0 || !strings.HasPrefix(out, `{"ids":[64,201,198,65],"tokens":["a","\r","\n","b"]}`) {
		t.Errorf("exit %d, out %s, err %s: want the CR and LF kept byte-exact", code, out, errOut)
	}
	// Empty text gives empty lists, not null.
	code, out, _ = runCLI(t, "tokenize", "--text", "")
	if code != 0 || strings.TrimSpace(out) != `{"ids":[],"tokens":[]}` {
		t.Errorf("empty text: exit %d, out %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{nil, 2, "usage: gpt2taps"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"tokenize"}, 2, "no text"},
		{[]string{"tokenize", "--text", "a", "--text-file", "b"}, 2, "either --text or --text-file"},
		{[]string{"tokenize", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"tokenize", "--text-file", "/nonexistent/file.txt"}, 1, "read text file"},
		{[]string{"tokenize", "--text", "\xff"}, 1, "UTF-8"},
		{[]string{"capture", "--text", "hi", "--out", "x.safetensors", "--model", ""}, 2, "no model"},
		{[]string{"capture", "--text", "hi", "--model", "/nonexistent/dir"}, 2, "no output"},
		{[]string{"random-checkpoint", "--out", "x"}, 2, "--preset NAME"},
		{[]string{"random-checkpoint", "--preset", "gpt5", "--out", "x"}, 2, "gpt5"},
		{[]string{"random-checkpoint", "--layers", "2", "--embd", "30", "--heads", "4", "--out", "x"}, 2, "divisible"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.wantErr)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stderr has a panic trace: %s", tc.args, errOut)
		}
		if tc.args != nil && strings.Count(strings.TrimSpace(errOut), "\n") > 0 && !strings.Contains(errOut, "Usage of") {
			t.Errorf("%v: error is more than one line: %q", tc.args, errOut)
		}
	}
}

// TestCaptureAgainstReference runs random-checkpoint and capture end to end and
// compares the taps file with the PyTorch reference's using its --compare mode.
func TestCaptureAgainstReference(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	code, _, errOut := runCLI(t, "random-checkpoint", "--layers", "2", "--embd", "48", "--heads", "3",
		"--positions", "64", "--seed", "3", "--dtype", "F16", "--prefix", "--out", ckpt)
	if code != 0 {
		t.Fatalf("random-checkpoint: exit %d: %s", code, errOut)
	}
	for _, f := range []string{"config.json", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(ckpt, f)); err != nil {
			t.Fatalf("checkpoint lacks %s: %v", f, err)
		}
	}
	textPath := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(textPath, []byte("Nietzsche wrote Thus Spoke Zarathustra."), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "taps.safetensors")
	code, _, errOut = runCLI(t, "capture", "--model", ckpt, "--backend", "go", "--text-file", textPath, "--out", out)
	if code != 0 {
		t.Fatalf("capture: exit %d: %s", code, errOut)
	}
	f, err := stfile.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"attn.c_proj": "F32", "mlp.c_proj": "F32", "hidden_states": "F32", "input_ids": "I64"}
	for name, dtype := range want {
		got, shape, ok := f.Info(name)
		if !ok || got != dtype {
			t.Errorf("%s: dtype %q (present %v), want %s", name, got, ok, dtype)
		}
		if name == "hidden_states" && shape[0] != 3 {
			t.Errorf("hidden_states has %d rows, want L+1 = 3", shape[0])
		}
	}
	f.Close()
	tf, err := taps.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if tf.Metadata["model"] != ckpt || !strings.Contains(tf.Metadata["tokens"], `" Zar"`) {
		t.Errorf("metadata %v lacks the model or the tokens", tf.Metadata)
	}

	// The reference on the same ids, compared with its own --compare mode.
	idsJSON, _ := json.Marshal(tf.Result.IDs)
	idsPath := filepath.Join(dir, "ids.json")
	if err := os.WriteFile(idsPath, idsJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	refOut := filepath.Join(dir, "ref.safetensors")
	script, _ := filepath.Abs("../../reference/gpt2_reference.py")
	python := os.Getenv("GPT2TAPS_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	if msg, err := exec.Command(python, script, "--model", ckpt, "--ids-file", idsPath, "--out", refOut).CombinedOutput(); err != nil {
		t.Fatalf("reference: %v\n%s", err, msg)
	}
	msg, err := exec.Command(python, script, "--compare", refOut, out, "--tol", "1e-4").CombinedOutput()
	if err != nil {
		t.Fatalf("compare with the reference failed: %v\n%s", err, msg)
	}
	t.Logf("max abs differences: %s", msg)
}

func TestCaptureRefusesTooLongText(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	if code, _, errOut := runCLI(t, "random-checkpoint", "--layers", "1", "--embd", "16", "--heads", "2",
		"--positions", "8", "--out", ckpt); code != 0 {
		t.Fatalf("random-checkpoint: %s", errOut)
	}
	out := filepath.Join(dir, "taps.safetensors")
	code, _, errOut := runCLI(t, "capture", "--model", ckpt, "--backend", "go",
		"--text", "one two three four five six seven eight nine ten", "--out", out)
	if code != 1 || !strings.Contains(errOut, "10 tokens") || !strings.Contains(errOut, "at most 8") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming 10 tokens and the limit 8", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed capture left %s behind", out)
	}
}
