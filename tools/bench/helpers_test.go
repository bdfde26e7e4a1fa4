package bench

import (
	"path/filepath"
	"sync"
	"testing"
)

var (
	smokeOnce sync.Once
	smokeDir  string
	smokeErr  error
)

// smokeCheckpoint returns a random checkpoint of SmokeConfig shared by the
// tests of this package (read-only).
func smokeCheckpoint(t *testing.T) string {
	t.Helper()
	smokeOnce.Do(func() {
		dir, err := mkdirShared()
		if err != nil {
			smokeErr = err
			return
		}
		smokeDir = filepath.Join(dir, "smoke")
		_, smokeErr = EnsureRandomCheckpoint(smokeDir, SmokeConfig(), 3)
	})
	if smokeErr != nil {
		t.Fatal(smokeErr)
	}
	return smokeDir
}

// testText is a short text for the job tests.
const testText = "Nietzsche wrote Thus Spoke Zarathustra in the 1880s."
