package gpt2

import (
	"testing"
)

func TestTokenLabel(t *testing.T) {
	tests := []struct {
		token, want string
	}{
		{"Hello", "Hello"},
		{" world", " world"},
		{" ", "␣"},
		{"   ", "␣␣␣"},
		{"\n", "↵"},
		{"\n\n", "↵↵"},
		{" \n", "␣↵"},
		{"\t", "⇥"},
		{"\r", "␍"},
		{"\r\n", "␍↵"},
		{"x\ty", "x⇥y"},
		{"é", "é"},
		{" naïve", " naïve"},
		{"你好", "你好"},
		{"\xe4\xbd", `\xe4\xbd`},
		{" \xf0\x9f\x91", ` \xf0\x9f\x91`},
		{"\x8b", `\x8b`},
		{"👋", "👋"},
		{"<|endoftext|>", "<|endoftext|>"},
		{"\x00", `\x00`},
		{"\x7f", `\x7f`},
		{"\u00a0", `\u00a0`},
		{" \u3000", `␣\u3000`},
		{"\u200d", `\u200d`},
		{"\ufffd", "\ufffd"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TokenLabel(tt.token); got != tt.want {
			t.Errorf("TokenLabel(%q) = %q, want %q", tt.token, got, tt.want)
		}
	}
}
