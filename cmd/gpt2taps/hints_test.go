package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
)

func TestWithModelHint(t *testing.T) {
	offline := fmt.Errorf("%w: x is not in the cache and %w; turn offline mode off", checkpoints.ErrModelNotCached, checkpoints.ErrOffline)
	unreachable := fmt.Errorf("%w: x is not in the cache and %w at E", checkpoints.ErrModelNotCached, checkpoints.ErrHubUnreachable)
	brokenDownload := fmt.Errorf("%w: download of model.safetensors failed; run again", checkpoints.ErrModelNotCached)
	other := errors.New("resolve model: no such directory ./x")
	tests := []struct {
		name  string
		err   error
		wants []string // nil: the error is returned unchanged
	}{
		{"offline", offline, []string{offline.Error() + "; with gpt2taps: ", "drop --offline (and HF_HUB_OFFLINE=1)", "local checkpoint directory as --model DIR (or GPT2TAPS_MODEL=DIR)", "gpt2taps random-checkpoint --preset gpt2-large"}},
		{"unreachable", unreachable, []string{unreachable.Error() + "; with gpt2taps: give a local checkpoint directory as --model DIR (or GPT2TAPS_MODEL=DIR)", "random-checkpoint"}},
		{"broken download", brokenDownload, nil},
		{"other", other, nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withModelHint(tt.err)
			if tt.wants == nil {
				if got != tt.err {
					t.Fatalf("withModelHint(%v) = %v, want it unchanged", tt.err, got)
				}
				return
			}
			if !errors.Is(got, checkpoints.ErrModelNotCached) {
				t.Errorf("the hinted error no longer wraps ErrModelNotCached: %v", got)
			}
			for _, want := range tt.wants {
				if !strings.Contains(got.Error(), want) {
					t.Errorf("hinted error %q\ndoes not contain %q", got, want)
				}
			}
			if tt.name == "unreachable" && strings.Contains(got.Error(), "--offline") {
				t.Errorf("hint for an unreachable Hub mentions --offline: %q", got)
			}
		})
	}
}
