package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/env"
)

// The environment overrides the comparison's lists (for tests and classrooms), read by internal/env:
// GPT2TAPS_MODELS (comma-separated models) and GPT2TAPS_TEXTS_DIR (a directory of *.txt texts). The lesson's
// GPT2TAPS_MODEL, GPT2TAPS_TEXT_FILE and GPT2TAPS_CACHE keep their meaning: one model, one text, the tap cache.

// ModelsFromEnv returns models with the environment's override applied, and a one-line note saying which applied
// ("" when none did): GPT2TAPS_MODELS replaces the list; else GPT2TAPS_MODEL replaces it with that one model.
func ModelsFromEnv(models []string) ([]string, string) {
	v := env.Read()
	if len(v.Models) > 0 {
		return v.Models, fmt.Sprintf("%s is set: the models are %s", env.Models, strings.Join(v.Models, ", "))
	}
	if v.Model != "" {
		return []string{v.Model}, fmt.Sprintf("%s is set: the only model is %s (set %s to compare several)", env.Model, v.Model, env.Models)
	}
	return models, ""
}

// TextsFromEnv returns texts with the environment's override applied, and a one-line note saying which applied
// ("" when none did): GPT2TAPS_TEXTS_DIR replaces the list with the *.txt files of that directory (sorted by name;
// each named after its file); else GPT2TAPS_TEXT_FILE replaces it with that one file's text. Setting both is an
// error, as are an unreadable directory, one without .txt files, or an empty file.
func TextsFromEnv(texts []Text) ([]Text, string, error) {
	v := env.Read()
	dir, file := v.TextsDir, v.TextFile
	switch {
	case dir != "" && file != "":
		return nil, "", fmt.Errorf("both %s and %s are set: unset one of them", env.TextsDir, env.TextFile)
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
			return nil, "", fmt.Errorf("%s: %w (put one .txt file per text there, or unset it)", env.TextsDir, err)
		}
		sort.Strings(paths)
		var out []Text
		for _, p := range paths {
			t, err := TextFromFile(p)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", env.TextsDir, err)
			}
			out = append(out, t)
		}
		return out, fmt.Sprintf("%s is set: the texts are the %d .txt files in %s", env.TextsDir, len(out), dir), nil
	case file != "":
		t, err := TextFromFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w (unset it to use the texts given in code)", env.TextFile, err)
		}
		return []Text{t}, fmt.Sprintf("%s is set: the only text is %s", env.TextFile, file), nil
	}
	return texts, "", nil
}
