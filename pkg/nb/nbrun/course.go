package nbrun

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// FindModels finds every model of names (ModelNames: the environment may
// replace the list, with a note) as Find does, and loads no weights.
func FindModels(names []string) []*Checkpoint {
	var out []*Checkpoint
	for _, name := range cell.ModelNames(names, true) {
		dir := must(checkpoints.Resolve(context.Background(), name, checkpoints.Options{Progress: cell.Stderr}))
		out = append(out, &Checkpoint{Name: name, Dir: dir, Config: must(gpt2.LoadConfig(dir))})
	}
	return out
}

// ShowSentences tokenizes the sentences (Sentences: the file may replace
// them, with a note), finds word in each (course.FindWords: every sentence
// must hold it once, as a token of its own and not first) and prints one
// line per sentence: its number, its token count, the word's position and
// the sentence with the word's token in brackets. A sentence without the
// word stops the cell, naming it.
func (c *Checkpoint) ShowSentences(sentences []string, word string) {
	sentences = cell.Sentences(sentences, true)
	tokens := make([][]string, len(sentences))
	for i, s := range sentences {
		enc, err := tokenizer.Encode(gpt2.Text(s), c.Config)
		if err != nil {
			check(fmt.Errorf("sentence %d: %w", i, err))
		}
		tokens[i] = enc.Tokens
	}
	at := must(course.FindWords(tokens, word))
	fmt.Fprintf(cell.Stdout, "%d sentences, each with %q once\n\n", len(sentences), word)
	fmt.Fprintf(cell.Stdout, "%3s %6s %4s  %s\n", "#", "tokens", "at", "sentence (the word's token in [ ])")
	for i, ts := range tokens {
		marked := append([]string(nil), ts...)
		marked[at[i]] = "[" + marked[at[i]] + "]"
		fmt.Fprintf(cell.Stdout, "%3d %6d %4d  %s\n", i, len(ts), at[i], strings.ReplaceAll(strings.Join(marked, ""), "\n", "↵"))
	}
}

// Paths returns lesson 3's taps (course.PathRequest) of every model of names
// (ModelNames) on the text ($GPT2TAPS_TEXT_FILE replaces it) from the tap
// cache, where nbmodel.RunPaths put them, as course.Paths takes them.
func Paths(names []string, s string) []course.ModelRun {
	var runs []course.ModelRun
	in := gpt2.Text(cell.Text(s, false))
	for _, name := range nb.ModelNames(names) {
		dir, err := checkpoints.Resolve(context.Background(), name, checkpoints.Options{Offline: true})
		if err != nil && isNotCached(err) {
			cell.NotCached(name, err.Error())
		}
		check(err)
		cfg := must(gpt2.LoadConfig(dir))
		key, err := checkpoints.NewKey(context.Background(), name, checkpoints.Options{Offline: true}, in, course.PathRequest(cfg.NLayer))
		check(err)
		res, ok, err := taps.Cache{Log: cell.Stderr, Map: true}.Load(key)
		check(err)
		if !ok {
			cell.NotCached(name, "")
		}
		runs = append(runs, course.ModelRun{Model: name, Result: res})
	}
	return runs
}

// isNotCached reports a model that is neither cached nor a directory.
func isNotCached(err error) bool {
	return errors.Is(err, checkpoints.ErrModelNotCached)
}
