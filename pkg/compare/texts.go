package compare

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// Text is one input of the comparison: a text, or token ids (the shuffled control, whose tokens are not a text's
// tokenization).
type Text struct {
	Name   string // short, used in tables, figure titles and compare.json
	About  string // one line saying what it is
	Source string // where it comes from: "built in", or the file it was read from
	Text   string // the text, byte-exact; empty for an input of token ids
	IDs    []int  // the token ids, for an input of token ids (nil for a text)
}

// Input is the text as the taps package takes it.
func (t Text) Input() gpt2.Input {
	if t.IDs != nil {
		return gpt2.IDs(t.IDs)
	}
	return gpt2.Text(t.Text)
}

// Encode returns the text's GPT-2 tokens (every GPT-2 size shares the tokenizer). An empty text is an error.
func (t Text) Encode() (gpt2.Encoding, error) {
	enc, err := tokenizer.Encode(t.Input(), gpt2.Config{})
	if err != nil {
		return enc, fmt.Errorf("text %s: %w", t.Name, err)
	}
	return enc, nil
}

//go:embed texts/*.txt
var textFiles embed.FS

// Names of the built-in texts.
const (
	TextNietzsche = "nietzsche"          // the lesson's passage (lesson.NietzscheText)
	TextGoSource  = "go-source"          // a short Go program
	TextNumbers   = "dates-numbers"      // a table of dated readings and an invoice line
	TextDialogue  = "dialogue"           // two people on their way to a train
	TextRepeated  = "repeated-sentence"  // one sentence, sixteen times
	TextShuffled  = "nietzsche-shuffled" // the lesson passage's tokens in a fixed random order
)

// ShuffleSeed seeds the permutation of the shuffled control.
const ShuffleSeed = 1

// builtin describes the built-in texts, in the order of DefaultTexts.
var builtin = []struct{ name, about string }{
	{TextNietzsche, "the lesson's passage about Friedrich Nietzsche"},
	{TextGoSource, "a short Go program that counts words (code)"},
	{TextNumbers, "ten dated weather readings and an invoice line (dates and numbers)"},
	{TextDialogue, "two people arguing on their way to a train (dialogue)"},
	{TextRepeated, "one sentence repeated sixteen times"},
	{TextShuffled, "control: the lesson passage's tokens in a shuffled order (no syntax, the same words)"},
}

// TextNames lists the built-in texts' names, in the order of DefaultTexts.
func TextNames() []string {
	names := make([]string, len(builtin))
	for i, b := range builtin {
		names[i] = b.name
	}
	return names
}

// DefaultTexts returns the built-in texts: the lesson's Nietzsche passage, four short contrasting texts written for
// this project (Go source, dates and numbers, a dialogue, one sentence repeated) and the shuffled control, made
// from the Nietzsche passage's token ids permuted with ShuffleSeed.
func DefaultTexts() ([]Text, error) {
	out := make([]Text, 0, len(builtin))
	for _, b := range builtin {
		t, err := Builtin(b.name)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Builtin returns the built-in text of that name (see TextNames).
func Builtin(name string) (Text, error) {
	i := slices.IndexFunc(builtin, func(b struct{ name, about string }) bool { return b.name == name })
	if i < 0 {
		return Text{}, fmt.Errorf("no built-in text %q: the built-in texts are %s", name, strings.Join(TextNames(), ", "))
	}
	t := Text{Name: name, About: builtin[i].about, Source: "built in"}
	switch name {
	case TextNietzsche:
		t.Text = lesson.NietzscheText
	case TextShuffled:
		ids, err := ShuffledIDs(lesson.NietzscheText, ShuffleSeed)
		if err != nil {
			return Text{}, err
		}
		t.IDs = ids
	default:
		data, err := textFiles.ReadFile("texts/" + name + ".txt")
		if err != nil {
			return Text{}, fmt.Errorf("built-in text %s: %w", name, err)
		}
		t.Text = string(data)
	}
	return t, nil
}

// TextFromFile reads a text file, byte-exact; its name is the file's base name without extension. An empty file
// is an error.
func TextFromFile(path string) (Text, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Text{}, fmt.Errorf("read text file: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	t := Text{Name: name, About: "read from " + path, Source: path, Text: string(data)}
	if len(data) == 0 {
		return Text{}, fmt.Errorf("text file %s is empty: the text has no tokens; give a non-empty text", path)
	}
	return t, nil
}

// ShuffledIDs tokenizes text and permutes its token ids with a Fisher–Yates shuffle driven by a PCG generator
// seeded with seed: the same words (tokens), with no syntax or sense left. The permutation depends only on seed
// and the number of tokens.
func ShuffledIDs(text string, seed uint64) ([]int, error) {
	tok, err := tokenizer.New()
	if err != nil {
		return nil, err
	}
	enc, err := tok.Encode(text)
	if err != nil {
		return nil, err
	}
	ids := slices.Clone(enc.IDs)
	rng := rand.NewPCG(seed, 0) // PCG-DXSM: its output for a seed is fixed by its specification
	for i := len(ids) - 1; i > 0; i-- {
		j := int(rng.Uint64() % uint64(i+1)) // modulo bias ~ n/2⁶⁴: irrelevant here
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids, nil
}
