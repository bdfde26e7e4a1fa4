package tokenizer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

// newTestTokenizer returns GPT-2's tokenizer or stops the test.
func newTestTokenizer(t *testing.T) *Tokenizer {
	t.Helper()
	tok, err := New()
	if err != nil {
		t.Fatalf("NewTokenizer: %v", err)
	}
	return tok
}

// gpt2ByteID returns the id of the single-byte token for b, derived from
// GPT-2's bytes_to_unicode table rather than from the vocabulary: ids 0-187
// are the "printable" bytes 33-126, 161-172 and 174-255 in order, and ids
// 188-255 are the remaining bytes 0-32, 127-160 and 173 in order.
func gpt2ByteID(b byte) int {
	printable := func(c byte) bool {
		return c >= 33 && c <= 126 || c >= 161 && c <= 172 || c >= 174
	}
	id := 0
	if !printable(b) {
		for c := 0; c < 256; c++ {
			if printable(byte(c)) {
				id++
			}
		}
	}
	for c := 0; c < int(b); c++ {
		if printable(byte(c)) == printable(b) {
			id++
		}
	}
	return id
}

func TestGPT2ByteIDLandmarks(t *testing.T) {
	// Landmarks of the table in GPT-2's encoder.json: "!" is 0, "Ā" (byte 0)
	// is 188, "Ġ" (space) is 220, "Ń" (byte 173) is 255.
	for b, want := range map[byte]int{'!': 0, 'a': 64, '~': 93, 0xa1: 94, 0xae: 106, 0xff: 187, 0: 188, ' ': 220, 0x7f: 221, 0xa0: 254, 0xad: 255} {
		if got := gpt2ByteID(b); got != want {
			t.Errorf("gpt2ByteID(0x%02x) = %d, want %d", b, got, want)
		}
	}
}

func TestEncodeKnownIDs(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		ids    []int
		tokens []string
	}{
		{"words", "Hello world", []int{15496, 995}, []string{"Hello", " world"}},
		{"leading space word", " the", []int{262}, []string{" the"}},
		{"end of text alone", "<|endoftext|>", []int{gpt2.EndOfText}, []string{"<|endoftext|>"}},
		{"end of text between words", "Hello<|endoftext|>world", []int{15496, gpt2.EndOfText, 6894}, []string{"Hello", "<|endoftext|>", "world"}},
		{"end of text keeps spaces around it", "Hello <|endoftext|> world", []int{15496, 220, gpt2.EndOfText, 995}, []string{"Hello", " ", "<|endoftext|>", " world"}},
		{"end of text repeated", "<|endoftext|><|endoftext|>", []int{gpt2.EndOfText, gpt2.EndOfText}, []string{"<|endoftext|>", "<|endoftext|>"}},
		{"end of text incomplete is plain text", "<|endoftext|", []int{27, 91, 437, 1659, 5239, 91}, []string{"<", "|", "end", "of", "text", "|"}},
		{"exclamation mark", "!", []int{0}, []string{"!"}},
		{"letter", "a", []int{64}, []string{"a"}},
		{"space", " ", []int{220}, []string{" "}},
		{"newline", "\n", []int{198}, []string{"\n"}},
		{"tab", "\t", []int{197}, []string{"\t"}},
		{"carriage return", "\r", []int{201}, []string{"\r"}},
		{"NUL", "\x00", []int{188}, []string{"\x00"}},
		{"two newlines", "\n\n", []int{628}, []string{"\n\n"}},
		// The pre-tokenizer splits "a   b" into "a", "  ", " b" (the last
		// space joins the word); GPT-2 has no two-space token, so "  " is
		// two " " tokens.
		{"run of spaces", "a   b", []int{64, 220, 220, 275}, []string{"a", " ", " ", " b"}},
		{"trailing spaces", "a   ", []int{64, 220, 220, 220}, []string{"a", " ", " ", " "}},
		{"tab between letters", "a\tb", []int{64, 197, 65}, []string{"a", "\t", "b"}},
		{"CRLF stays CRLF", "line1\r\nline2", []int{1370, 16, 201, 198, 1370, 17}, []string{"line", "1", "\r", "\n", "line", "2"}},
		{"space before newline", " \n", []int{220, 198}, []string{" ", "\n"}},
		{"contraction t", "don't", []int{9099, 470}, []string{"don", "'t"}},
		{"contraction m", "I'm", []int{40, 1101}, []string{"I", "'m"}},
		// GPT-2's contraction patterns are lowercase only.
		{"uppercase contraction", "DON'T", []int{41173, 6, 51}, []string{"DON", "'", "T"}},
		{"accents", "café naïve", []int{66, 1878, 2634, 41492}, []string{"c", "af", "é", " naïve"}},
		{"digits", "12345 2024", []int{10163, 2231, 48609}, []string{"123", "45", " 2024"}},
		{"CJK split inside characters", "你好世界",
			[]int{19526, 254, 25001, 121, 10310, 244, 45911, 234},
			[]string{"\xe4\xbd", "\xa0", "\xe5\xa5", "\xbd", "\xe4\xb8", "\x96", "\xe7\x95", "\x8c"}},
		{"emoji split inside characters", "👋 hi 👍🏽",
			[]int{41840, 233, 23105, 50169, 235, 8582, 237, 121},
			[]string{"\xf0\x9f\x91", "\x8b", " hi", " \xf0\x9f\x91", "\x8d", "\xf0\x9f", "\x8f", "\xbd"}},
		{"no-break space", "x\u00a0y", []int{87, 1849, 88}, []string{"x", "\u00a0", "y"}},
		// DEL is punctuation-class for GPT-2's pre-tokenizer, like any
		// control character, and never merges with another byte.
		{"DEL", "\x7f", []int{221}, []string{"\x7f"}},
		{"DEL in punctuation run", "a\x7f!b", []int{64, 221, 0, 65}, []string{"a", "\x7f", "!", "b"}},
		{"space before DEL", " \x7f", []int{220, 221}, []string{" ", "\x7f"}},
		{"DEL before contraction", "\x7f\x7f's\x7f\n", []int{221, 221, 6, 82, 221, 198}, []string{"\x7f", "\x7f", "'", "s", "\x7f", "\n"}},
		{"DEL and U+0001", "\x01\x7f\x01", []int{189, 221, 189}, []string{"\x01", "\x7f", "\x01"}},
	}
	tok := newTestTokenizer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tok.Encode(tt.text)
			if err != nil {
				t.Fatalf("Encode(%q): %v", tt.text, err)
			}
			if !slices.Equal(enc.IDs, tt.ids) {
				t.Errorf("Encode(%q).IDs = %v, want %v", tt.text, enc.IDs, tt.ids)
			}
			if !slices.Equal(enc.Tokens, tt.tokens) {
				t.Errorf("Encode(%q).Tokens = %q, want %q", tt.text, enc.Tokens, tt.tokens)
			}
			// Single-byte tokens must have the id GPT-2's byte table gives.
			for i, token := range enc.Tokens {
				if len(token) == 1 && enc.IDs[i] != gpt2ByteID(token[0]) {
					t.Errorf("Encode(%q): token %d %q has id %d, want byte id %d", tt.text, i, token, enc.IDs[i], gpt2ByteID(token[0]))
				}
			}
			got, err := tok.Decode(enc.IDs)
			if err != nil {
				t.Fatalf("Decode(%v): %v", enc.IDs, err)
			}
			if got != tt.text {
				t.Errorf("Decode(Encode(%q)) = %q", tt.text, got)
			}
		})
	}
}

func TestEncodeEveryASCIICharacter(t *testing.T) {
	tok := newTestTokenizer(t)
	for b := 0; b < 128; b++ {
		text := string([]byte{byte(b)})
		enc, err := tok.Encode(text)
		if err != nil {
			t.Fatalf("Encode(%q): %v", text, err)
		}
		if want := []int{gpt2ByteID(byte(b))}; !slices.Equal(enc.IDs, want) {
			t.Errorf("Encode(%q).IDs = %v, want %v", text, enc.IDs, want)
		}
	}
}

// TestEncodeEveryBMPCharacter checks that no character of the Basic
// Multilingual Plane is lost or altered, alone or between words.
func TestEncodeEveryBMPCharacter(t *testing.T) {
	tok := newTestTokenizer(t)
	for r := rune(0); r <= 0xffff; r++ {
		if r >= 0xd800 && r <= 0xdfff { // surrogates are not valid UTF-8
			continue
		}
		for _, text := range []string{string(r), "a " + string(r) + "b"} {
			enc, err := tok.Encode(text)
			if err != nil {
				t.Fatalf("Encode(%q): %v", text, err)
			}
			if joined := strings.Join(enc.Tokens, ""); joined != text {
				t.Fatalf("Encode(%q): tokens %q join to %q", text, enc.Tokens, joined)
			}
			if got, err := tok.Decode(enc.IDs); err != nil || got != text {
				t.Fatalf("Decode(Encode(%q)) = %q, %v", text, got, err)
			}
		}
	}
}

// TestDELAndStandInAreLoneTokens checks the assumption behind Encode's DEL
// work-around: no GPT-2 token longer than one byte contains 0x7f or 0x01.
func TestDELAndStandInAreLoneTokens(t *testing.T) {
	tok := newTestTokenizer(t)
	for id := 0; id < gpt2.EndOfText; id++ {
		token, err := tok.Decode([]int{id})
		if err != nil {
			t.Fatalf("Decode([%d]): %v", id, err)
		}
		if len(token) > 1 && strings.ContainsAny(token, delTokenStr+delStandIn) {
			t.Errorf("token %d %q contains 0x7f or 0x01; Encode's DEL work-around is wrong for it", id, token)
		}
	}
}

func TestDecodeEveryByte(t *testing.T) {
	tok := newTestTokenizer(t)
	for b := 0; b < 256; b++ {
		id := gpt2ByteID(byte(b))
		got, err := tok.Decode([]int{id})
		if err != nil {
			t.Fatalf("Decode([%d]): %v", id, err)
		}
		if want := string([]byte{byte(b)}); got != want {
			t.Errorf("Decode([%d]) = %q, want %q", id, got, want)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	texts := []string{
		"The quick brown fox jumps over the lazy dog.",
		"Hello world\n",
		"  leading spaces and trailing spaces   ",
		"tabs\tand\t\ttabs\n\tindented",
		"windows\r\nline\r\nendings\r\n",
		"old mac\rline endings\r",
		"we'll they've she'd it's you're I'm don't",
		"Ünïcödé àccents: façade, jalapeño, smörgåsbord, Ωmega",
		"日本語のテキストと中文文本，한국어 텍스트",
		"emoji: 👋🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖",
		"digits 0 1 12 123 1234 12345678901234567890 3.14159 -42 1e10",
		"NUL\x00inside\x00\x00text",
		"<|endoftext|>",
		"doc one<|endoftext|>doc two<|endoftext|>",
		"<|endoftext|><|endoftext|>\n<|endoftext",
		"Math: ∑_{i=1}^{n} x_i² ≤ ∞ and ½ + ¼",
		"\u00a0\u2003\u3000 odd spaces \u200b zero width",
		"\ufffd is a real replacement character",
		strings.Repeat("a", 300),                                // one long piece: BPE's heap merge path
		strings.Repeat("ab ", 200),                              // many short pieces
		strings.Repeat("👍", 50),                                 // long run of 4-byte characters
		strings.Repeat(" ", 100) + "x",                          // long whitespace run
		"```go\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n```\n", // code
	}
	tok := newTestTokenizer(t)
	for _, text := range texts {
		enc, err := tok.Encode(text)
		if err != nil {
			t.Errorf("Encode(%q): %v", text, err)
			continue
		}
		if len(enc.IDs) != len(enc.Tokens) {
			t.Errorf("Encode(%q): %d ids but %d tokens", text, len(enc.IDs), len(enc.Tokens))
			continue
		}
		if joined := strings.Join(enc.Tokens, ""); joined != text {
			t.Errorf("Encode(%q): tokens join to %q", text, joined)
		}
		got, err := tok.Decode(enc.IDs)
		if err != nil {
			t.Errorf("Decode(Encode(%q)): %v", text, err)
			continue
		}
		if got != text {
			t.Errorf("Decode(Encode(%q)) = %q", text, got)
		}
		for i, id := range enc.IDs {
			if id < 0 || id > gpt2.EndOfText {
				t.Errorf("Encode(%q): token %d has id %d outside [0, %d]", text, i, id, gpt2.EndOfText)
				continue
			}
			one, err := tok.Decode([]int{id})
			if err != nil {
				t.Errorf("Decode([%d]): %v", id, err)
				continue
			}
			if one != enc.Tokens[i] {
				t.Errorf("Encode(%q): token %d is %q but its id %d decodes to %q", text, i, enc.Tokens[i], id, one)
			}
		}
	}
}

func TestEncodeEmpty(t *testing.T) {
	tok := newTestTokenizer(t)
	enc, err := tok.Encode("")
	if err != nil {
		t.Fatalf("Encode(\"\"): %v", err)
	}
	if len(enc.IDs) != 0 || len(enc.Tokens) != 0 {
		t.Errorf("Encode(\"\") = %v %q, want no tokens", enc.IDs, enc.Tokens)
	}
	got, err := tok.Decode(nil)
	if err != nil || got != "" {
		t.Errorf("Decode(nil) = %q, %v; want \"\", nil", got, err)
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		offset int
		b      byte
	}{
		{"lone 0xff", "ab\xffcd", 2, 0xff},
		{"continuation byte first", "\x80abc", 0, 0x80},
		{"truncated character at end", "hi \xe4\xb8", 3, 0xe4},
		{"after valid multi-byte text", "日本\xc3(", 6, 0xc3},
		{"overlong encoding of NUL", "x\xc0\x80", 1, 0xc0},
		{"UTF-16 surrogate", "\xed\xa0\x80", 0, 0xed},
		{"after end of text", "<|endoftext|>\xfe", 13, 0xfe},
	}
	tok := newTestTokenizer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tok.Encode(tt.text)
			if err == nil {
				t.Fatalf("Encode(%q) = %v, want an error", tt.text, enc.IDs)
			}
			var invalid *InvalidUTF8Error
			if !errors.As(err, &invalid) {
				t.Fatalf("Encode(%q) error %v is not an *InvalidUTF8Error", tt.text, err)
			}
			if invalid.Offset != tt.offset || invalid.Byte != tt.b {
				t.Errorf("Encode(%q): invalid byte 0x%02x at %d, want 0x%02x at %d", tt.text, invalid.Byte, invalid.Offset, tt.b, tt.offset)
			}
			msg := err.Error()
			for _, want := range []string{"UTF-8", fmt.Sprintf("byte offset %d", tt.offset)} {
				if !strings.Contains(msg, want) {
					t.Errorf("Encode(%q) error %q does not mention %q", tt.text, msg, want)
				}
			}
		})
	}
}

func TestDecodeOutOfRange(t *testing.T) {
	tok := newTestTokenizer(t)
	for _, ids := range [][]int{{-1}, {50257}, {15496, 1 << 40}, {gpt2.EndOfText, -50256}} {
		got, err := tok.Decode(ids)
		if err == nil {
			t.Errorf("Decode(%v) = %q, want an error", ids, got)
			continue
		}
		bad := ids[len(ids)-1]
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(bad)) || !strings.Contains(msg, "50257") {
			t.Errorf("Decode(%v) error %q should name id %d and the vocabulary size 50257", ids, msg, bad)
		}
	}
	// The edges of the vocabulary are valid.
	if got, err := tok.Decode([]int{0, gpt2.EndOfText}); err != nil || got != "!<|endoftext|>" {
		t.Errorf("Decode([0 %d]) = %q, %v; want \"!<|endoftext|>\", nil", gpt2.EndOfText, got, err)
	}
}

func TestDecodePartialCharacter(t *testing.T) {
	tok := newTestTokenizer(t)
	// The first token of "👋" holds 3 of its 4 bytes; Decode returns them as is.
	got, err := tok.Decode([]int{41840})
	if err != nil {
		t.Fatalf("Decode([41840]): %v", err)
	}
	if got != "\xf0\x9f\x91" {
		t.Errorf("Decode([41840]) = %q, want %q", got, "\xf0\x9f\x91")
	}
}

func TestNewTokenizerSharesCodec(t *testing.T) {
	a := newTestTokenizer(t)
	b := newTestTokenizer(t)
	if a.codec == nil || a.codec != b.codec {
		t.Errorf("NewTokenizer built two codecs (%p, %p); want one shared codec", a.codec, b.codec)
	}
}

func TestTokenizerConcurrentUse(t *testing.T) {
	tok := newTestTokenizer(t)
	const text = "Concurrent use<|endoftext|> of one tokenizer, with émojis 👋 and\r\nCRLF."
	want, err := tok.Encode(text)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				enc, err := tok.Encode(text)
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(enc.IDs, want.IDs) {
					errs <- fmt.Errorf("concurrent Encode gave %v, want %v", enc.IDs, want.IDs)
					return
				}
				if got, err := tok.Decode(enc.IDs); err != nil || got != text {
					errs <- fmt.Errorf("concurrent Decode gave %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkEncode(b *testing.B) {
	tok, err := New()
	if err != nil {
		b.Fatalf("NewTokenizer: %v", err)
	}
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := tok.Encode(text); err != nil {
			b.Fatal(err)
		}
	}
}
