package nb

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/analysis"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
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
	return batch(cell.ModelName(name, false), Sentences(sentences), req)
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
	results := batch(cell.ModelName(name, false), all, course.HiddenRequest())
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

// batch reads the sentences' results from the tap cache by what the run
// cell asked for (taps.Cache.Recall: the model argument, each sentence and
// req as given), without tokenizing or resolving anything; mapped, not
// copied (taps.MapFile), as a cell is a short-lived process.
func batch(name string, sentences []string, req taps.Request) []*taps.Result {
	if len(sentences) == 0 {
		Check(fmt.Errorf("no sentences: give at least one"))
	}
	out := make([]*taps.Result, len(sentences))
	cache := taps.Cache{Log: cell.Stderr, Map: true}
	for i, s := range sentences {
		res, ok, err := cache.Recall(name, s, req)
		Check(err)
		if !ok {
			notCached(name, fmt.Sprintf("sentence %d of %d", i, len(sentences)))
		}
		out[i] = res
	}
	return out
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
		fmt.Fprintln(cell.Stdout, f)
	}
}
