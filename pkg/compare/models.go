package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultModels returns the models compared by default: GPT-2 small, medium and large. Add "gpt2-xl" for the
// largest (6.4 GB of weights to download, and about twice gpt2-large's time).
func DefaultModels() []string { return []string{"gpt2", "gpt2-medium", "gpt2-large"} }

// labels names the models for tables and figures: a Hub id as given, a directory by its base name (by its last
// two path elements when two directories share a base name, then numbered if still equal).
func labels(models []string) []string {
	out := make([]string, len(models))
	count := map[string]int{}
	for i, m := range models {
		out[i] = shortName(m, 1)
		count[out[i]]++
	}
	for i, m := range models {
		if count[out[i]] > 1 {
			out[i] = shortName(m, 2)
		}
	}
	seen := map[string]int{}
	for i := range out {
		seen[out[i]]++
		if n := seen[out[i]]; n > 1 {
			out[i] = fmt.Sprintf("%s#%d", out[i], n)
		}
	}
	return out
}

// shortName is a Hub id as it is, or the last n elements of a directory path.
func shortName(model string, n int) string {
	if _, err := os.Stat(model); err != nil {
		return model
	}
	clean := filepath.ToSlash(filepath.Clean(model))
	parts := strings.Split(strings.TrimSuffix(clean, "/"), "/")
	if len(parts) > n {
		parts = parts[len(parts)-n:]
	}
	return strings.Join(parts, "/")
}
