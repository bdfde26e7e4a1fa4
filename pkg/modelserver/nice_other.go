//go:build !linux

package modelserver

// lowerPriority is a no-op where threads' priorities are not set one by one
// (the server then runs at its parent's priority).
func lowerPriority(int) {}
