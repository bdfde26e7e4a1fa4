package tokenizer_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
)

var (
	fuzzTokOnce sync.Once
	fuzzTok     *tokenizer.Tokenizer
	fuzzTokErr  error
)

// fuzzTokenizer returns the shared tokenizer.
func fuzzTokenizer(t testing.TB) *tokenizer.Tokenizer {
	fuzzTokOnce.Do(func() { fuzzTok, fuzzTokErr = tokenizer.New() })
	if fuzzTokErr != nil {
		t.Fatal(fuzzTokErr)
	}
	return fuzzTok
}

// FuzzEncode tokenizes arbitrary strings. Encode must never panic. Valid UTF-8 gives ids in GPT-2's vocabulary
// whose tokens rejoin into the text, each token decoding to itself, and Decode(Encode(x)) == x. Invalid UTF-8 gives
// an *InvalidUTF8Error naming the first invalid byte, on one line.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", "Hello world", " \n\t  \n", "a\x00b\x00\x00", "\x7f", "a\x7f\x7fb", "\x01\x7f", "<|endoftext|>",
		"<|endoftext", "x<|endoftext|><|endoftext|>y", "\x7f<|endoftext|>\x7f", "café", "emoji 😀 and 👍🏽",
		"\r\n", "'s 've 'll", "  leading and trailing  ", "\u00a0no-break\u2028line", "e\u0301", "日本語のテキスト",
		strings.Repeat("ab", 300), "\xff", "caf\xe9", "\xf0\x9f\x98", "ok\xed\xa0\x80surrogate",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := fuzzTokenizer(t)
		enc, err := tok.Encode(s)
		if !utf8.ValidString(s) {
			var bad *tokenizer.InvalidUTF8Error
			if !errors.As(err, &bad) {
				t.Fatalf("Encode of invalid UTF-8 %q: error %v, want an *InvalidUTF8Error", s, err)
			}
			if first := firstInvalid(s); bad.Offset != first || bad.Byte != s[first] {
				t.Fatalf("InvalidUTF8Error names byte 0x%02x at %d, want 0x%02x at %d", bad.Byte, bad.Offset, s[first], first)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one line", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Encode(%q): %v", s, err)
		}
		if len(enc.IDs) != len(enc.Tokens) {
			t.Fatalf("%d ids but %d tokens", len(enc.IDs), len(enc.Tokens))
		}
		if got := strings.Join(enc.Tokens, ""); got != s {
			t.Fatalf("tokens %q rejoin into %q, want %q", enc.Tokens, got, s)
		}
		for i, id := range enc.IDs {
			if id < 0 || id > gpt2.EndOfText {
				t.Fatalf("id %d out of GPT-2's vocabulary", id)
			}
			if enc.Tokens[i] == "" {
				t.Fatalf("token %d is empty", i)
			}
			one, err := tok.Decode([]int{id})
			if err != nil || one != enc.Tokens[i] {
				t.Fatalf("token %d: id %d decodes to %q (%v), want %q", i, id, one, err, enc.Tokens[i])
			}
		}
		back, err := tok.Decode(enc.IDs)
		if err != nil || back != s {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", s, back, err)
		}
	})
}

// firstInvalid returns the offset of the first byte of s that is not part of valid UTF-8.
func firstInvalid(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
