package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/atomicfile"
	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2/tokenizer"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// courseSummary is the command's line in `gpt2taps help`.
const courseSummary = "run one of the course's lessons (rotations, neighbours, paths, trajectories): <lesson>.json and its figures"

// courseLesson is one of the course's lessons as `gpt2taps course` runs it.
type courseLesson struct {
	name   string   // --lesson NAME and the base name of its JSON file
	number int      // --lesson N: the lesson's number in the course (pkg/course)
	models []string // the models the course runs it on: the default of --model
}

// courseLessons are the course's four lessons, in the course's order.
var courseLessons = []courseLesson{
	{"rotations", 1, []string{"gpt2-xl"}},
	{"neighbours", 2, []string{"gpt2-xl"}},
	{"paths", 3, []string{"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"}},
	{"trajectories", 4, []string{"gpt2-medium"}},
}

// courseLessonNames is the list of lessons for messages: "rotations (1), …, trajectories (4)".
func courseLessonNames() string {
	var names []string
	for _, l := range courseLessons {
		names = append(names, fmt.Sprintf("%s (%d)", l.name, l.number))
	}
	return strings.Join(names, ", ")
}

// findCourseLesson returns the lesson named by --lesson: its name or its number.
func findCourseLesson(s string) (courseLesson, error) {
	for _, l := range courseLessons {
		if s == l.name || s == strconv.Itoa(l.number) {
			return l, nil
		}
	}
	return courseLesson{}, usageError{fmt.Sprintf("unknown lesson %q: use one of %s, by name or number", s, courseLessonNames())}
}

// wordsFlag is a repeatable flag whose values are kept verbatim: a word's leading space is part of it.
type wordsFlag []string

func (w *wordsFlag) String() string { return strings.Join(*w, ",") }

func (w *wordsFlag) Set(s string) error {
	*w = append(*w, s)
	return nil
}

// courseRun is what one lesson needs, checked and ready to run.
type courseRun struct {
	lesson  courseLesson
	models  []string
	src     model.Source // Model set per model
	opts    checkpoints.Options
	cache   taps.Cache
	options course.Options
	stderr  io.Writer
	// Lessons 1, 2 and 4: the sentences (where from, for messages) and the words.
	from      string
	sentences []string
	words     []string
	// Lesson 3: the text.
	text string
}

// runCourse runs one of the course's lessons and writes its numbers as <lesson>.json and its figures as PNG.
func runCourse(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("course", stderr)
	lessonName := fs.String("lesson", "", "the lesson: rotations (1), neighbours (2), paths (3) or trajectories (4)")
	var models listFlag
	fs.Var(&models, "model", "a model: Hub id or checkpoint directory; repeatable for paths (default $"+env.Model+
		" (for paths $"+env.Models+" first), else the course's: gpt2-xl for rotations and neighbours, gpt2, gpt2-medium, gpt2-large and gpt2-xl for paths, gpt2-medium for trajectories)")
	sentencesFile := fs.String("sentences", "", "file of sentences, one per line, replacing the course's 54 (- for standard input); not for paths")
	var words wordsFlag
	fs.Var(&words, "word", "the word the lesson follows, leading space included (default \" her\"); for trajectories repeat it, the first in the sentences and the others put in its place (default \" her\", \" him\", \" round\"); not for paths")
	var text textFlags
	text.register(fs)
	out := fs.String("out", "", "output directory for <lesson>.json and the figures (PNG)")
	seed := fs.Uint64("seed", course.DefaultSeed, "seed of the random control pairs (rotations, neighbours)")
	pairs := fs.Int("pairs", course.DefaultPairs, "how many random control pairs to draw (rotations, neighbours)")
	cacheDir := fs.String("cache", "", "tap cache directory (default $GPT2TAPS_CACHE, else ~/.cache/gpt2taps/taps)")
	backendName := fs.String("backend", "", "GoMLX backend: go, xla:cpu, xla:cuda, auto (default $GOMLX_BACKEND, else auto)")
	hfCache := fs.String("hf-cache", "", "Hugging Face hub cache (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
	offline := fs.Bool("offline", false, "never use the network (also HF_HUB_OFFLINE=1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *lessonName == "" {
		return usageError{"no lesson: give --lesson NAME, one of " + courseLessonNames()}
	}
	l, err := findCourseLesson(*lessonName)
	if err != nil {
		return err
	}
	if err := checkCourseFlags(fs, l); err != nil {
		return err
	}
	if models.empty {
		return usageError{"--model was given an empty value"}
	}
	if len(models.values) > 1 && l.name != "paths" {
		return usageError{fmt.Sprintf("%d models given: lesson %s runs on one model (only paths takes several)", len(models.values), l.name)}
	}
	if *seed == 0 {
		return usageError{"--seed 0: give a seed ≥ 1"}
	}
	if *pairs < 1 {
		return usageError{fmt.Sprintf("--pairs %d: give a number of pairs ≥ 1", *pairs)}
	}
	if *out == "" {
		return usageError{"no output: give --out DIR"}
	}
	if err := checkCreatableDir(*out); err != nil {
		return err
	}
	r := &courseRun{
		lesson:  l,
		src:     model.Source{Backend: *backendName, HFCache: *hfCache, Offline: *offline, Log: stderr},
		opts:    checkpoints.Options{CacheDir: *hfCache, Offline: *offline, Progress: stderr},
		cache:   taps.Cache{Dir: *cacheDir, Log: stderr},
		options: course.Options{Seed: *seed, Pairs: *pairs},
		stderr:  stderr,
	}
	r.models = courseModels(l, models, stderr)
	if l.name == "paths" {
		if r.text, err = courseText(&text); err != nil {
			return err
		}
	} else {
		if r.from, r.sentences, err = readSentences(*sentencesFile, os.Stdin); err != nil {
			return err
		}
		if r.words, err = courseWords(l, words); err != nil {
			return err
		}
	}
	res, err := r.run(context.Background())
	if err != nil {
		return err
	}
	written, err := writeCourse(*out, l.name, res)
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	return err
}

// courseFlagLessons are the flags that only some lessons take.
var courseFlagLessons = map[string][]string{
	"sentences": {"rotations", "neighbours", "trajectories"},
	"word":      {"rotations", "neighbours", "trajectories"},
	"seed":      {"rotations", "neighbours"},
	"pairs":     {"rotations", "neighbours"},
	"text":      {"paths"},
	"text-file": {"paths"},
}

// checkCourseFlags refuses a flag given to a lesson that does not take it.
func checkCourseFlags(fs *flag.FlagSet, l courseLesson) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if ls, ok := courseFlagLessons[f.Name]; ok && err == nil && !slices.Contains(ls, l.name) {
			err = usageError{fmt.Sprintf("--%s is not for lesson %s: it is for %s", f.Name, l.name, strings.Join(ls, ", "))}
		}
	})
	return err
}

// courseModels returns the models: --model, else the environment's, else the course's for the lesson.
func courseModels(l courseLesson, models listFlag, stderr io.Writer) []string {
	if models.set {
		return models.values
	}
	v := env.Read()
	if l.name == "paths" && len(v.Models) > 0 {
		fmt.Fprintf(stderr, "note: %s is set: the models are %s\n", env.Models, strings.Join(v.Models, ", "))
		return v.Models
	}
	if v.Model != "" {
		fmt.Fprintf(stderr, "note: %s is set: the model is %s\n", env.Model, v.Model)
		return []string{v.Model}
	}
	return l.models
}

// courseText is lesson 3's text: --text or --text-file, else the course's (lesson.NietzscheText).
func courseText(t *textFlags) (string, error) {
	if !t.textSet && t.file == "" {
		return lesson.NietzscheText, nil
	}
	return t.read(os.Stdin)
}

// courseWords are the words of lesson l: --word, else the course's.
func courseWords(l courseLesson, words wordsFlag) ([]string, error) {
	for _, w := range words {
		if w == "" {
			return nil, usageError{fmt.Sprintf("--word was given an empty value: give a word with its leading space, such as %q", course.Target)}
		}
	}
	switch {
	case l.name == "trajectories" && len(words) == 0:
		return course.Words(), nil
	case l.name == "trajectories" && len(words) < 2:
		return nil, usageError{fmt.Sprintf("one --word for trajectories: give at least two (the first is the one in the sentences), e.g. --word %q --word %q", course.Target, " him")}
	case l.name == "trajectories":
		return words, nil
	case len(words) == 0:
		return []string{course.Target}, nil
	case len(words) > 1:
		return nil, usageError{fmt.Sprintf("%d --word given: lesson %s follows one word", len(words), l.name)}
	}
	return words, nil
}

// readSentences reads the sentences, one per line (a final newline and CRLF line ends allowed, blank lines not:
// sentence N is line N+1), from path (- for stdin), or returns the course's when path is "". from names where they
// came from in messages.
func readSentences(path string, stdin io.Reader) (from string, sentences []string, err error) {
	if path == "" {
		return "the course's sentences", course.Sentences(), nil
	}
	var data []byte
	if path == "-" {
		from = "standard input"
		if data, err = io.ReadAll(stdin); err != nil {
			return "", nil, fmt.Errorf("read standard input: %w", err)
		}
	} else {
		from = path
		if data, err = os.ReadFile(path); err != nil {
			return "", nil, fmt.Errorf("read sentences file: %w", err)
		}
	}
	s := strings.TrimRight(string(data), "\r\n")
	if strings.TrimSpace(s) == "" {
		return "", nil, fmt.Errorf("%s holds no sentences: write one sentence per line", from)
	}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			return "", nil, fmt.Errorf("%s: line %d is blank: write one sentence per line, with no blank lines", from, i+1)
		}
		sentences = append(sentences, line)
	}
	return from, sentences, nil
}

// run checks every input against every model, then captures (through the tap cache) and computes the lesson.
func (r *courseRun) run(ctx context.Context) (courseResult, error) {
	if r.lesson.name == "paths" {
		return r.paths(ctx)
	}
	// Tokenize every version of the sentences (one for lessons 1 and 2, one per word for lesson 4: the first word
	// replaced by each other) and find its word in each, before any model is resolved.
	tok, err := tokenizer.New()
	if err != nil {
		return nil, err
	}
	var (
		versions [][]string
		encs     []gpt2.Encoding
	)
	for k, w := range r.words {
		v := r.sentences
		if k > 0 {
			v = make([]string, len(r.sentences))
			for i, s := range r.sentences {
				if v[i], err = course.ReplaceWord(s, r.words[0], w); err != nil {
					return nil, fmt.Errorf("%s: sentence %d: %w", r.from, i, err)
				}
			}
		}
		tokens := make([][]string, len(v))
		for i, s := range v {
			enc, err := tok.Encode(s)
			if err != nil {
				return nil, fmt.Errorf("%s: sentence %d: %w", r.from, i, err)
			}
			if len(enc.IDs) == 0 {
				return nil, fmt.Errorf("%s: sentence %d: the text has no tokens: give a non-empty sentence", r.from, i)
			}
			tokens[i] = enc.Tokens
			encs = append(encs, enc)
		}
		if err := findWord(r.from, tokens, w); err != nil {
			return nil, err
		}
		versions = append(versions, v)
	}
	switch {
	case r.lesson.name == "rotations" && len(r.sentences) < 2:
		return nil, fmt.Errorf("%s holds one sentence: lesson rotations tests the rotations over sentences and needs at least 2", r.from)
	case r.lesson.name == "neighbours" && !slices.ContainsFunc(encs, func(e gpt2.Encoding) bool { return len(e.IDs) >= 3 }):
		return nil, fmt.Errorf("%s: every sentence has 2 tokens: lesson neighbours' baseline pairs two tokens other than the target, so give a sentence of at least 3", r.from)
	}
	name := r.models[0]
	cfg, err := r.config(ctx, name, encs[0])
	if err != nil {
		return nil, err
	}
	ins := make([]gpt2.Input, len(encs))
	for i, enc := range encs {
		if err := gpt2.CheckTokens(enc, cfg); err != nil {
			n := i % len(r.sentences)
			return nil, fmt.Errorf("%s: %s, sentence %d (%s): %w", name, r.from, n, excerpt(versions[i/len(r.sentences)][n]), err)
		}
		ins[i] = gpt2.Tokens(enc)
	}
	src := r.src
	src.Model = name
	start := time.Now()
	results, err := model.RunBatchCached(ctx, src, ins, course.HiddenRequest(), r.cache)
	if err != nil {
		return nil, withModelHint(err)
	}
	r.report(fmt.Sprintf("%s: hidden states of %d sentences × %d layers", name, len(results), cfg.NLayer), results, time.Since(start))
	switch r.lesson.name {
	case "rotations":
		return course.Rotations(results, r.words[0], r.options)
	case "neighbours":
		return course.Neighbours(results, r.words[0], r.options)
	}
	var words []course.WordRuns
	for k, w := range r.words {
		words = append(words, course.WordRuns{Word: w, Results: results[k*len(r.sentences) : (k+1)*len(r.sentences)]})
	}
	return course.Trajectories(words)
}

// paths runs lesson 3: every model on the text.
func (r *courseRun) paths(ctx context.Context) (courseResult, error) {
	tok, err := tokenizer.New()
	if err != nil {
		return nil, err
	}
	enc, err := tok.Encode(r.text)
	if err != nil {
		return nil, err
	}
	if len(enc.IDs) == 0 {
		return nil, fmt.Errorf("the text has no tokens: give a non-empty text")
	}
	if n := course.PathFirstToken + 3; len(enc.IDs) < n {
		return nil, fmt.Errorf("the text has %d tokens: lesson paths correlates over tokens %d… and needs at least %d; give a longer text", len(enc.IDs), course.PathFirstToken, n)
	}
	// Every model resolved and the text checked against each before any runs.
	keys := make([]taps.Key, len(r.models))
	for i, name := range r.models {
		cfg, err := r.config(ctx, name, enc)
		if err != nil {
			return nil, err
		}
		if keys[i], err = checkpoints.NewKey(ctx, name, r.opts, gpt2.Tokens(enc), course.PathRequest(cfg.NLayer)); err != nil {
			return nil, withModelHint(err)
		}
	}
	var runs []course.ModelRun
	for _, key := range keys {
		start := time.Now()
		res, err := r.cache.Do(ctx, key, func() (*taps.Result, error) {
			m, err := model.OpenKey(r.src, key)
			if err != nil {
				return nil, err
			}
			defer m.Close()
			return m.Run(gpt2.Tokens(key.Tokens), key.Request)
		})
		if err != nil {
			return nil, withModelHint(err)
		}
		r.report(fmt.Sprintf("%s: taps of %d tokens × %d layers", key.Model, len(res.IDs), key.Config.NLayer), []*taps.Result{res}, time.Since(start))
		runs = append(runs, course.ModelRun{Model: key.Model, Result: res})
	}
	return course.Paths(runs)
}

// config resolves a model and reads its configuration without loading any weight: the key of the first token of
// enc. Errors are the model's, with gpt2taps's hints; a text too long for the model names it.
func (r *courseRun) config(ctx context.Context, name string, enc gpt2.Encoding) (gpt2.Config, error) {
	in := gpt2.Tokens(gpt2.Encoding{IDs: enc.IDs[:1], Tokens: enc.Tokens[:1]})
	if r.lesson.name == "paths" {
		in = gpt2.Tokens(enc)
	}
	key, err := checkpoints.NewKey(ctx, name, r.opts, in, course.HiddenRequest())
	if err != nil {
		return gpt2.Config{}, withModelHint(err)
	}
	return key.Config, nil
}

// report says on stderr how many results were computed and how many came from the tap cache.
func (r *courseRun) report(what string, results []*taps.Result, elapsed time.Duration) {
	computed := 0
	for _, res := range results {
		if res.Info.Computed {
			computed++
		}
	}
	how := fmt.Sprintf("%d computed, %d loaded from the tap cache", computed, len(results)-computed)
	switch {
	case len(results) == 1 && computed == 1:
		how = "computed"
	case len(results) == 1:
		how = "loaded from the tap cache"
	}
	fmt.Fprintf(r.stderr, "%s: %s in %.2fs\n", what, how, elapsed.Seconds())
}

// findWord finds word in every tokenized sentence and reports the first that lacks it (course.FindWord's message,
// which names the sentence) and how many more do, in one line.
func findWord(from string, tokens [][]string, word string) error {
	var first error
	more := 0
	for i, ts := range tokens {
		if _, err := course.FindWord(i, ts, word); err != nil {
			if first == nil {
				first = err
			} else {
				more++
			}
		}
	}
	if first == nil {
		return nil
	}
	msg := first.Error()
	if more > 0 {
		msg += fmt.Sprintf(" (and %d more %s)", more, plural(more, "sentence"))
	}
	var we *course.WordError
	if errors.As(first, &we) && we.Problem == "is missing" {
		msg += fmt.Sprintf(": every sentence must hold %q once (--word)", word)
	}
	return fmt.Errorf("%s: %s", from, msg)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// excerpt quotes the start of a sentence for messages, as pkg/course does.
func excerpt(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return strconv.Quote(s)
}

// courseResult is a lesson's result: its numbers (JSON) and its figures.
type courseResult interface {
	Figures() ([]course.Figure, error)
}

// writeCourse draws every figure, then writes them as dir/<figure>.png and the numbers as dir/<name>.json (last, so
// that its presence says the run completed), each file atomically; it returns the paths written.
func writeCourse(dir, name string, res courseResult) ([]string, error) {
	figs, err := res.Figures()
	if err != nil {
		return nil, fmt.Errorf("draw the figures: %w", err)
	}
	images := make([][]byte, len(figs))
	for i, f := range figs {
		if images[i], err = f.Figure.PNG(); err != nil {
			return nil, fmt.Errorf("draw figure %s: %w", f.Name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the output directory: %w", err)
	}
	var written []string
	for i, f := range figs {
		p := filepath.Join(dir, f.Name+".png")
		if err := atomicfile.WriteFile(p, images[i], 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	p := filepath.Join(dir, name+".json")
	if err := course.WriteJSON(p, res); err != nil {
		return written, err
	}
	return append(written, p), nil
}
