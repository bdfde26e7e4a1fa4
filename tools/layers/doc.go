// Package layers holds the test that keeps the packages on the data path
// gpt2 → taps → analysis → viz → lesson → nb (and the CLI): each package may
// import only the project packages listed for it in docs/architecture.md, so
// that nothing downstream is reached from upstream.
package layers
