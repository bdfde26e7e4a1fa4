package hfcache

import "errors"

// ErrNotCached is wrapped by the errors of Resolve when a repository is not in the local cache and cannot be
// downloaded: offline mode is on (ErrOffline), the Hub can't be reached (ErrUnreachable), or a download failed
// midway.
var ErrNotCached = errors.New("model not in the Hugging Face cache")

// ErrOffline is wrapped, with ErrNotCached, when offline mode kept a missing repository from being downloaded.
var ErrOffline = errors.New("offline mode is on")

// ErrUnreachable is wrapped, with ErrNotCached, when the Hub could not be asked for a missing repository.
var ErrUnreachable = errors.New("the Hub can't be reached")

// ErrNoSuchRepo is wrapped by the errors of Resolve when the Hub has no such repository or revision (or it is
// private and no token with access was given).
var ErrNoSuchRepo = errors.New("no such model on the Hub")

// statusError is an unexpected HTTP status from the Hub API.
type statusError struct {
	status    string
	errorCode string // X-Error-Code header
	message   string // X-Error-Message header
}

func (e *statusError) Error() string {
	msg := "HTTP " + e.status
	if e.errorCode != "" {
		msg += ", " + e.errorCode
	}
	if e.message != "" {
		msg += ": " + e.message
	}
	return msg
}
