package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/lesson"
)

// Environment variables that override the comparison's lists (for tests and classrooms). The lesson's
// GPT2TAPS_MODEL, GPT2TAPS_TEXT_FILE and GPT2TAPS_CACHE keep their meaning: one model, one text, the tap cache.
const (
	EnvModels   = "GPT2TAPS_MODELS"    // comma-separated models (Hub ids or directories) that replace the list
	EnvTextsDir = "GPT2TAPS_TEXTS_DIR" // a directory whose *.txt files replace the list of texts
)

// ModelsFromEnv returns models with the environment's override applied, and a one-line note saying which applied
// ("" when none did): GPT2TAPS_MODELS replaces the list; else GPT2TAPS_MODEL replaces it with that one model.
func ModelsFromEnv(models []string) ([]string, string) {
	if v := strings.TrimSpace(os.Getenv(EnvModels)); v != "" {
		var out []string
		for _, m := range strings.Split(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				out = append(out, m)
			}
		}
		if len(out) > 0 {
			return out, fmt.Sprintf("%s is set: the models are %s", EnvModels, strings.Join(out, ", "))
		}
	}
	if m := os.Getenv(lesson.EnvModel); m != "" {
		return []string{m}, fmt.Sprintf("%s is set: the only model is %s (set %s to compare several)", lesson.EnvModel, m, EnvModels)
	}
	return models, ""
}

// TextsFromEnv returns texts with the environment's override applied, and a one-line note saying which applied
// ("" when none did): GPT2TAPS_TEXTS_DIR replaces the list with the *.txt files of that directory (sorted by name;
// each named after its file); else GPT2TAPS_TEXT_FILE replaces it with that one file's text. Setting both is an
// error, as are an unreadable directory, one without .txt files, or an empty file.
func TextsFromEnv(texts []Text) ([]Text, string, error) {
	dir, file := os.Getenv(EnvTextsDir), os.Getenv(lesson.EnvTextFile)
	switch {
	case dir != "" && file != "":
		return nil, "", fmt.Errorf("both %s and %s are set: unset one of them", EnvTextsDir, lesson.EnvTextFile)
	case dir != "":
		paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
		if err == nil && len(paths) == 0 {
			if _, statErr := os.Stat(dir); statErr != nil {
				err = statErr
			} else {
				err = fmt.Errorf("no .txt files in %s", dir)
			}
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w (put one .txt file per text there, or unset it)", EnvTextsDir, err)
		}
		sort.Strings(paths)
		var out []Text
		for _, p := range paths {
			t, err := TextFromFile(p)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", EnvTextsDir, err)
			}
			out = append(out, t)
		}
		return out, fmt.Sprintf("%s is set: the texts are the %d .txt files in %s", EnvTextsDir, len(out), dir), nil
	case file != "":
		t, err := TextFromFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w (unset it to use the texts given in code)", lesson.EnvTextFile, err)
		}
		return []Text{t}, fmt.Sprintf("%s is set: the only text is %s", lesson.EnvTextFile, file), nil
	}
	return texts, "", nil
}
