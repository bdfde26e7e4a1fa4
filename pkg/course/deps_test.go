package course

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoModelDependency: the package (tests aside) imports nothing of the
// project and nothing of GoMLX, so notebooks and the CLI can use it without
// building the model.
func TestNoModelDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "gomlx") || (strings.HasPrefix(dep, "github.com/gpt2taps/") && !strings.HasSuffix(dep, "/pkg/course")) {
			t.Errorf("pkg/course depends on %s", dep)
		}
	}
}
