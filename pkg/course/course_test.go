package course

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
)

func newTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.New()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSentences checks the embedded sentences: at least 50, distinct, short,
// starting with a capital and ending with a full stop, " her" exactly once
// as a raw substring (so no " here" or " hers" either) and never first, and
// none holding " him" or " round" already (the swapped versions would have
// two).
func TestSentences(t *testing.T) {
	ss := Sentences()
	if len(ss) < 50 {
		t.Fatalf("%d sentences, want at least 50", len(ss))
	}
	seen := map[string]bool{}
	for i, s := range ss {
		if seen[s] {
			t.Errorf("sentence %d repeats %q", i, s)
		}
		seen[s] = true
		if n := strings.Count(s, Target); n != 1 {
			t.Errorf("sentence %d %q: %q occurs %d times, want 1", i, s, Target, n)
		}
		for _, w := range Words()[1:] {
			if strings.Contains(s, w) {
				t.Errorf("sentence %d %q already holds %q", i, s, w)
			}
		}
		if s == "" || !unicode.IsUpper([]rune(s)[0]) || !strings.HasSuffix(s, ".") || strings.TrimSpace(s) != s {
			t.Errorf("sentence %d %q: want a capital first, a full stop last, no surrounding space", i, s)
		}
		if words := len(strings.Fields(s)); words < 5 || words > 14 {
			t.Errorf("sentence %d %q has %d words, want 5..14", i, s, words)
		}
	}
	ss[0] = "changed"
	if Sentences()[0] == "changed" {
		t.Error("Sentences returns a shared slice")
	}
}

// TestVersionsTokenize checks with GPT-2's tokenizer that in every version of
// every sentence the swapped word is one token, found by FindWord at the
// same position as " her" in the original (the sentences differ only there),
// and never first; and that the three versions tokenize alike elsewhere.
func TestVersionsTokenize(t *testing.T) {
	tok := newTokenizer(t)
	vs := Versions()
	if len(vs) != 3 || vs[0].Word != " her" || vs[1].Word != " him" || vs[2].Word != " round" {
		t.Fatalf("versions %v, want her, him, round", vs)
	}
	orig := Sentences()
	for i := range orig {
		var encs []gpt2.Encoding
		var pos []int
		for _, v := range vs {
			if len(v.Sentences) != len(orig) {
				t.Fatalf("version %q has %d sentences, want %d", v.Word, len(v.Sentences), len(orig))
			}
			s := v.Sentences[i]
			if want := strings.Replace(orig[i], Target, v.Word, 1); s != want {
				t.Errorf("version %q, sentence %d = %q, want %q", v.Word, i, s, want)
			}
			enc, err := tok.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			k, err := FindWord(i, enc.Tokens, v.Word)
			if err != nil {
				t.Errorf("version %q: %v (tokens %q)", v.Word, err, enc.Tokens)
				continue
			}
			encs = append(encs, enc)
			pos = append(pos, k)
		}
		if len(encs) != 3 {
			continue
		}
		for j := 1; j < 3; j++ {
			if pos[j] != pos[0] || len(encs[j].Tokens) != len(encs[0].Tokens) {
				t.Errorf("sentence %d: %q at token %d of %d, %q at %d of %d; want the same tokenization around the word",
					i, vs[0].Word, pos[0], len(encs[0].Tokens), vs[j].Word, pos[j], len(encs[j].Tokens))
				continue
			}
			for k := range encs[0].Tokens {
				if k != pos[0] && encs[j].Tokens[k] != encs[0].Tokens[k] {
					t.Errorf("sentence %d, token %d: %q in the %q version, %q in the original", i, k, encs[j].Tokens[k], vs[j].Word, encs[0].Tokens[k])
				}
			}
		}
	}
}

// TestFindWord covers every failure with real tokenizations.
func TestFindWord(t *testing.T) {
	tok := newTokenizer(t)
	tests := []struct {
		name, text, word string
		want             int
		problem          string // "" = found
	}{
		{"found", "We called her twice.", " her", 2, ""},
		{"found him", "We called him twice.", " him", 2, ""},
		{"missing", "We called them twice.", " her", -1, "is missing"},
		{"inside hers", "The book is hers now.", " her", -1, `occurs only inside a longer word (" hers")`},
		{"inside here", "Come here now.", " her", -1, `occurs only inside a longer word (" here")`},
		{"a longer word that starts with the word token", "The hermit left.", " her", -1, `occurs only inside a longer word (" her" + "mit")`},
		{"twice", "Tell her to call her mother.", " her", -1, "is 2 tokens (at [1 4])"},
		{"first", " her turn came.", " her", -1, "is the first token"},
		{"no leading space", "Her turn came.", " her", -1, "is missing"},
		{"empty word", "We called her.", "", -1, "is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tok.Encode(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := FindWord(7, enc.Tokens, tc.word)
			if got != tc.want {
				t.Errorf("FindWord = %d, want %d (tokens %q)", got, tc.want, enc.Tokens)
			}
			if tc.problem == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			var we *WordError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want a *WordError", err)
			}
			if we.Sentence != 7 || we.Text != tc.text || !strings.Contains(we.Problem, tc.problem) {
				t.Errorf("WordError %+v, want sentence 7, text %q, problem containing %q", we, tc.text, tc.problem)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "sentence 7 (") || !strings.Contains(msg, tc.problem) {
				t.Errorf("message %q: want the sentence number, an excerpt and the problem", msg)
			}
		})
	}
}

// TestFindWordSplit: a word split across tokens (the tokens made by hand, as
// GPT-2 keeps " her" whole) is reported with its pieces; a long sentence is
// shortened in the message.
func TestFindWordSplit(t *testing.T) {
	tokens := []string{"We", " called", " h", "er", " twice", " at", " the", " end", " of", " a", " very", " long", " day", "."}
	_, err := FindWord(3, tokens, " her")
	if err == nil || !strings.Contains(err.Error(), `is split across tokens " h" + "er"`) {
		t.Fatalf("err = %v, want the split named", err)
	}
	if !strings.Contains(err.Error(), `sentence 3 ("We called her twice at the end of a ver…")`) {
		t.Errorf("err = %v, want the excerpt cut to 40 characters (39 and an ellipsis)", err)
	}
}

func TestFindWords(t *testing.T) {
	tok := newTokenizer(t)
	var tokens [][]string
	for _, s := range []string{"We called her twice.", "The book is hers.", "Tell her and her."} {
		enc, err := tok.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, enc.Tokens)
	}
	if at, err := FindWords(tokens[:1], Target); err != nil || len(at) != 1 || at[0] != 2 {
		t.Errorf("FindWords = %v, %v; want [2]", at, err)
	}
	at, err := FindWords(tokens, Target)
	if err == nil || at != nil {
		t.Fatalf("FindWords = %v, %v; want an error", at, err)
	}
	for _, want := range []string{"sentence 1 (", "sentence 2 ("} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "sentence 0 (") {
		t.Errorf("error %q names the good sentence 0", err)
	}
}

func TestReplaceWord(t *testing.T) {
	for _, tc := range []struct {
		text, old, new, want string
		ok                   bool
	}{
		{"We saw her there.", " her", " him", "We saw him there.", true},
		{"We saw her", " her", " round", "We saw round", true},
		{"Come here, see her.", " her", " him", "Come here, see him.", true},
		{"The book is hers.", " her", " him", "", false},
		{"Tell her, tell her.", " her", " him", "", false},
	} {
		got, err := ReplaceWord(tc.text, tc.old, tc.new)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ReplaceWord(%q, %q, %q) = %q, %v; want %q (ok %v)", tc.text, tc.old, tc.new, got, err, tc.want, tc.ok)
		}
	}
}
