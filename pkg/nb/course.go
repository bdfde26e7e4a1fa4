package nb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/pkg/viz"
)

// The course notebooks (04–07, package course's four lessons) on top of the
// same plumbing: their cells run many sentences (lessons 1, 2 and 4) or many
// models (lesson 3) instead of one text. The one cell under "Run GPT-2 once"
// captures them (nbmodel.RunBatch, nbmodel.RunVersions, nbmodel.RunPaths);
// every other cell reads them back from the tap cache with Batch,
// VersionRuns and Paths, one cache entry per sentence (or model), without
// linking GoMLX. The environment's overrides apply in every helper, as Taps
// applies them: GPT2TAPS_MODEL (GPT2TAPS_MODELS for a list of models),
// GPT2TAPS_TEXT_FILE, and GPT2TAPS_SENTENCES_FILE for the sentences.

// Sentences are the sentences the cells use: the lines of
// $GPT2TAPS_SENTENCES_FILE when set (one sentence per line; a final newline
// and CRLF line ends allowed, blank lines not), otherwise s. It prints
// nothing: ShowSentences says when the file replaced the list.
func Sentences(s []string) []string { return sentencesOf(s, false) }

// sentencesOf is Sentences; with note, a line says when the file replaced s.
func sentencesOf(s []string, note bool) []string {
	path := env.Read().SentencesFile
	if path == "" {
		if len(s) == 0 {
			Check(fmt.Errorf("no sentences: give at least one"))
		}
		return s
	}
	lines, err := readSentences(path)
	if err != nil {
		Check(fmt.Errorf("%s: %w (unset it to use the sentences given in code)", env.SentencesFile, err))
	}
	if note {
		fmt.Fprintf(stderr, "note: the %d sentences come from %s=%s, not from the sentences cell\n", len(lines), env.SentencesFile, path)
	}
	return lines
}

// readSentences reads one sentence per line, as `gpt2taps course --sentences` does.
func readSentences(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimRight(string(data), "\r\n")
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%s holds no sentences: write one sentence per line", path)
	}
	var out []string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			return nil, fmt.Errorf("%s: line %d is blank: write one sentence per line, with no blank lines", path, i+1)
		}
		out = append(out, line)
	}
	return out, nil
}

// ModelNames are the models a cell of many models uses: $GPT2TAPS_MODELS
// when set, else $GPT2TAPS_MODEL as the only one, else names.
func ModelNames(names []string) []string { return modelNames(names, false) }

func modelNames(names []string, note bool) []string {
	v := env.Read()
	switch {
	case len(v.Models) > 0:
		if note {
			fmt.Fprintf(stderr, "note: %s is set: the models are %s\n", env.Models, strings.Join(v.Models, ", "))
		}
		return v.Models
	case v.Model != "":
		if note {
			fmt.Fprintf(stderr, "note: %s is set: the only model is %s (set %s for several)\n", env.Model, v.Model, env.Models)
		}
		return []string{v.Model}
	}
	return names
}

// FindModels finds every model of names (ModelNames: the environment may
// replace the list, with a note) as Find does, and loads no weights.
func FindModels(names []string) []*Checkpoint {
	var out []*Checkpoint
	for _, name := range modelNames(names, true) {
		dir := Must(checkpoints.Resolve(context.Background(), name, checkpoints.Options{Progress: stderr}))
		out = append(out, &Checkpoint{Name: name, Dir: dir, Config: Must(gpt2.LoadConfig(dir))})
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
	sentences = sentencesOf(sentences, true)
	tokens := make([][]string, len(sentences))
	for i, s := range sentences {
		enc, err := taps.Text(s).Encode(c.Config)
		if err != nil {
			Check(fmt.Errorf("sentence %d: %w", i, err))
		}
		tokens[i] = enc.Tokens
	}
	at := Must(course.FindWords(tokens, word))
	fmt.Fprintf(stdout, "%d sentences, each with %q once\n\n", len(sentences), word)
	fmt.Fprintf(stdout, "%3s %6s %4s  %s\n", "#", "tokens", "at", "sentence (the word's token in [ ])")
	for i, ts := range tokens {
		marked := append([]string(nil), ts...)
		marked[at[i]] = "[" + marked[at[i]] + "]"
		fmt.Fprintf(stdout, "%3d %6d %4d  %s\n", i, len(ts), at[i], strings.ReplaceAll(strings.Join(marked, ""), "\n", "↵"))
	}
}

// Versions are the sentences (Sentences: the file may replace them) with
// words[0], which each holds once, replaced by each word in turn: one
// course.Version per word, words[0]'s the sentences as they are. Sentence i
// of every version is the same sentence.
func Versions(sentences, words []string) []course.Version {
	return versions(Sentences(sentences), words)
}

func versions(sentences, words []string) []course.Version {
	if len(words) < 2 {
		Check(fmt.Errorf("%d words: the trajectories compare at least two (the word in the sentences first)", len(words)))
	}
	out := make([]course.Version, len(words))
	for k, w := range words {
		out[k].Word = w
		for i, s := range sentences {
			if k > 0 {
				var err error
				if s, err = course.ReplaceWord(s, words[0], w); err != nil {
					Check(fmt.Errorf("sentence %d: %w", i, err))
				}
			}
			out[k].Sentences = append(out[k].Sentences, s)
		}
	}
	return out
}

// Batch returns what req asks of the model name ($GPT2TAPS_MODEL replaces
// it) on every sentence (Sentences: $GPT2TAPS_SENTENCES_FILE replaces them)
// from the tap cache, one entry per sentence, where the run cell
// (nbmodel.RunBatch) put them. Like Taps, it runs nothing: when a sentence's
// taps are missing it stops the cell with one line saying to run that cell.
func Batch(name string, sentences []string, req taps.Request) []*taps.Result {
	return batch(modelName(name, false), Sentences(sentences), req)
}

// VersionRuns returns the hidden states (course.HiddenRequest) of the model
// name on every version of the sentences (Versions), from the tap cache where
// nbmodel.RunVersions put them, as lesson 4 takes them.
func VersionRuns(name string, sentences, words []string) []course.WordRuns {
	vs := Versions(sentences, words)
	var all []string
	for _, v := range vs {
		all = append(all, v.Sentences...)
	}
	results := batch(modelName(name, false), all, course.HiddenRequest())
	return SplitVersions(vs, results)
}

// SplitVersions cuts the results of every version's sentences, run as one
// batch version after version, into one course.WordRuns per version.
func SplitVersions(vs []course.Version, results []*taps.Result) []course.WordRuns {
	out := make([]course.WordRuns, len(vs))
	n := 0
	for k, v := range vs {
		out[k] = course.WordRuns{Word: v.Word, Results: results[n : n+len(v.Sentences)]}
		n += len(v.Sentences)
	}
	return out
}

func batch(name string, sentences []string, req taps.Request) []*taps.Result {
	keys := batchKeys(name, sentences, req, true)
	out := make([]*taps.Result, len(keys))
	cache := taps.Cache{Log: stderr}
	for i, key := range keys {
		res, ok, err := cache.Load(key)
		Check(err)
		if !ok {
			notCached(name, fmt.Sprintf("sentence %d of %d", i, len(keys)))
		}
		out[i] = res
	}
	return out
}

// batchKeys are the tap-cache keys of the sentences on the model name, as
// model.RunBatchCached makes them: the model resolved once (offline: only
// the cache and local directories), each sentence tokenized and checked
// against its config (errors name the sentence).
func batchKeys(name string, sentences []string, req taps.Request, offline bool) []taps.Key {
	if len(sentences) == 0 {
		Check(fmt.Errorf("no sentences: give at least one"))
	}
	encs := make([]gpt2.Encoding, len(sentences))
	for i, s := range sentences {
		enc, err := taps.Text(s).Encode(gpt2.Config{})
		if err != nil {
			Check(fmt.Errorf("sentence %d: %w", i, err))
		}
		encs[i] = enc
	}
	probe := gpt2.Encoding{IDs: encs[0].IDs[:1], Tokens: encs[0].Tokens[:1]}
	first, err := taps.NewKey(context.Background(), name, checkpoints.Options{Offline: offline}, taps.Tokens(probe), req)
	if offline && err != nil && isNotCached(err) {
		notCached(name, err.Error())
	}
	Check(err)
	keys := make([]taps.Key, len(encs))
	for i, enc := range encs {
		if _, err := taps.Tokens(enc).Encode(first.Config); err != nil {
			Check(fmt.Errorf("sentence %d: %w", i, err))
		}
		keys[i] = first
		keys[i].Tokens = enc
	}
	return keys
}

// Paths returns lesson 3's taps (course.PathRequest) of every model of names
// (ModelNames) on the text ($GPT2TAPS_TEXT_FILE replaces it) from the tap
// cache, where nbmodel.RunPaths put them, as course.Paths takes them.
func Paths(names []string, s string) []course.ModelRun {
	var runs []course.ModelRun
	in := taps.Text(text(s, false))
	for _, name := range ModelNames(names) {
		dir, err := checkpoints.Resolve(context.Background(), name, checkpoints.Options{Offline: true})
		if err != nil && isNotCached(err) {
			notCached(name, err.Error())
		}
		Check(err)
		cfg := Must(gpt2.LoadConfig(dir))
		key, err := taps.NewKey(context.Background(), name, checkpoints.Options{Offline: true}, in, course.PathRequest(cfg.NLayer))
		Check(err)
		res, ok, err := taps.Cache{Log: stderr}.Load(key)
		Check(err)
		if !ok {
			notCached(name, "")
		}
		runs = append(runs, course.ModelRun{Model: name, Result: res})
	}
	return runs
}

// BatchSummary says in one line how many of the results were computed and
// how many came from the tap cache, in how long, on which backend, and how
// long the sentences are.
func BatchSummary(results []*taps.Result) string {
	if len(results) == 0 {
		return "no results"
	}
	computed, shortest, longest := 0, len(results[0].IDs), 0
	var seconds float64
	backend := ""
	for _, r := range results {
		if r.Info.Computed {
			computed++
		}
		if backend == "" {
			backend = r.Info.Backend
		}
		seconds += r.Info.Elapsed.Seconds()
		shortest, longest = min(shortest, len(r.IDs)), max(longest, len(r.IDs))
	}
	return fmt.Sprintf("%d sentences of %d to %d tokens on %s (%d blocks): %d computed, %d loaded from the tap cache, %.2f s in all, backend %s",
		len(results), shortest, longest, results[0].Info.Model, results[0].NLayer, computed, len(results)-computed, seconds, orUnknown(backend))
}

func orUnknown(s string) string {
	if s == "" {
		return "unrecorded"
	}
	return s
}

// isNotCached reports a model that is neither cached nor a directory.
func isNotCached(err error) bool {
	return errors.Is(err, checkpoints.ErrModelNotCached)
}

// FigureNamed returns the lesson figure of that name (course.Figure.Name),
// for Show: nb.Show(nb.FigureNamed(figs, "rotations-by-block")).
func FigureNamed(figs []course.Figure, name string) (*viz.Figure, error) {
	var names []string
	for _, f := range figs {
		if f.Name == name {
			return f.Figure, nil
		}
		names = append(names, f.Name)
	}
	return nil, fmt.Errorf("no figure %q: the lesson draws %s", name, strings.Join(names, ", "))
}

// MatrixOf turns a lesson's rows (one Series per layer or state) into a
// Matrix, to compare with one computed in a cell (MaxAbsDiff).
func MatrixOf(rows []course.Series) analysis.Matrix {
	if len(rows) == 0 {
		return analysis.Matrix{}
	}
	m := analysis.NewMatrix(len(rows), len(rows[0]))
	for r, row := range rows {
		if len(row) != m.Cols {
			Check(fmt.Errorf("row %d has %d values, row 0 %d: not a matrix", r, len(row), m.Cols))
		}
		copy(m.Row(r), row)
	}
	return m
}

// Lesson is a course lesson's result: its numbers (JSON) and its figures.
type Lesson interface {
	Figures() ([]course.Figure, error)
}

// OutDir is where SaveLesson writes: $GPT2TAPS_OUT_DIR when set, otherwise
// out/course in the repository (the notebook's folder's parent).
func OutDir() string {
	if d := env.Read().OutDir; d != "" {
		return d
	}
	nbDir := os.Getenv("GONB_DIR") // GoNB's: the notebook's folder
	if nbDir == "" {
		nbDir = "."
	}
	return filepath.Join(nbDir, "..", "out", "course")
}

// SaveLesson writes the lesson's figures as PNG and its numbers as
// <name>.json (course.WriteJSON: undefined statistics as null), the files
// `gpt2taps course --lesson <name>` writes, into OutDir, and prints their
// paths.
func SaveLesson(name string, l Lesson) {
	dir := OutDir()
	figs := Must(l.Figures())
	Check(os.MkdirAll(dir, 0o755))
	paths := Must(course.SaveFigures(dir, figs))
	p := filepath.Join(dir, name+".json")
	Check(course.WriteJSON(p, l))
	for _, f := range append(paths, p) {
		fmt.Fprintln(stdout, f)
	}
}
