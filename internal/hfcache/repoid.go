package hfcache

import (
	"regexp"
	"strings"
)

// repoIDPattern matches Hub model ids: "name" or "org/name", made of letters, digits, '_', '-' and '.', neither
// starting nor ending with '-' or '.'.
var repoIDPattern = regexp.MustCompile(`^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// ValidRepoID reports whether s is a valid Hub model id: "name" or "org/name", as the Hub accepts them.
func ValidRepoID(s string) bool {
	return len(s) <= 96 && repoIDPattern.MatchString(s) &&
		!strings.Contains(s, "--") && !strings.Contains(s, "..") && !strings.HasSuffix(s, ".git")
}

// commitPattern matches full git commit hashes.
var commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
