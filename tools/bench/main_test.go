package bench

import (
	"os"
	"testing"
)

// sharedDir holds files shared by the package's tests; TestMain removes it.
var sharedDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// mkdirShared makes sharedDir once.
func mkdirShared() (string, error) {
	if sharedDir != "" {
		return sharedDir, nil
	}
	dir, err := os.MkdirTemp("", "gpt2taps-bench-test-")
	if err != nil {
		return "", err
	}
	sharedDir = dir
	return dir, nil
}
