// Package nbhello is a tiny package that the nbtest test notebooks import,
// proving that a GoNB notebook can use this repository's packages.
package nbhello

// Greeting returns the line that the hello test notebook prints.
func Greeting(name string) string {
	return "Hello, " + name + ", from gpt2taps!"
}
