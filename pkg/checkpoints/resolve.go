package checkpoints

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gpt2taps/gpt2taps/internal/hfcache"
)

// Model resolution: a model argument — a local directory or a Hugging Face Hub id — becomes a local directory
// holding config.json and safetensors weights. Hub ids go through internal/hfcache, which shares its cache with
// Python's huggingface_hub and transformers.

// ErrModelNotCached is wrapped by the errors of Resolve when a Hub model is not in the local cache and
// cannot be downloaded: offline mode is on (ErrOffline), the Hub can't be reached (ErrHubUnreachable), or a
// download failed midway.
var ErrModelNotCached = hfcache.ErrNotCached

// ErrOffline is wrapped, with ErrModelNotCached, when offline mode kept a missing model from being downloaded.
var ErrOffline = hfcache.ErrOffline

// ErrHubUnreachable is wrapped, with ErrModelNotCached, when the Hub could not be asked for a missing model.
var ErrHubUnreachable = hfcache.ErrUnreachable

// ErrNoSuchModel is wrapped by the errors of Resolve when the Hub has no such model repository or revision
// (or it is private and no token with access was given).
var ErrNoSuchModel = hfcache.ErrNoSuchRepo

// Options configures Resolve.
type Options struct {
	// CacheDir is the Hugging Face Hub cache. "" means the cache Python's huggingface_hub uses: $HF_HUB_CACHE, else
	// $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
	CacheDir string
	// Revision is the branch, tag or commit hash to use. "" means "main".
	Revision string
	// Progress receives a progress report while files are downloaded; nil means no report.
	Progress io.Writer
	// Offline forbids any network access; it is also on when HF_HUB_OFFLINE is set to 1, true, yes or on.
	Offline bool
	// Token is the Hugging Face access token. "" means the HF_TOKEN environment variable, or else the token
	// file that `hf auth login` writes (HF_TOKEN_PATH, or $HF_HOME/token).
	Token string
}

// hubLegacyIDs maps the canonical ids of the GPT-2 models that used to live at the root of the Hub to their
// legacy ids. The Hub redirects the legacy ids, and caches written by older transformers versions use them.
var hubLegacyIDs = map[string]string{
	"openai-community/gpt2":        "gpt2",
	"openai-community/gpt2-medium": "gpt2-medium",
	"openai-community/gpt2-large":  "gpt2-large",
	"openai-community/gpt2-xl":     "gpt2-xl",
	"distilbert/distilgpt2":        "distilgpt2",
}

// Resolve turns a model argument into a local directory holding config.json and the weights
// (model.safetensors, or model.safetensors.index.json with its shards).
//
// An existing directory is checked and returned as is. Anything else is taken as a Hugging Face Hub model id
// ("gpt2-large", "org/name"): Resolve looks for it in the Hub cache (shared with Python's huggingface_hub
// and transformers) and, if it is missing and offline mode is off, downloads config.json and the safetensors
// files (never pytorch_model.bin and the like) and returns the snapshot directory. GPT-2's legacy ids (gpt2,
// gpt2-medium, gpt2-large, gpt2-xl, distilgpt2) and their canonical ones (openai-community/gpt2-large, …) name the
// same model, found in the cache under either.
//
// Errors wrap ErrModelNotCached when the model is not cached and can't be downloaded (with ErrOffline or
// ErrHubUnreachable saying why, when that is why), and ErrNoSuchModel when the Hub has no such model. They say
// what to do in terms of the model argument, the options and the Hugging Face environment variables; callers
// add their own hints (a flag, a setting) by wrapping them.
func Resolve(ctx context.Context, model string, opts Options) (string, error) {
	dir, local, err := localModel(model)
	if err != nil || local {
		return dir, err
	}
	return hfcache.Resolve(ctx, hubRepo(model), opts.hfcache())
}

// localModel checks a model argument that names a local directory and returns it (local is true), or reports
// that the argument is a valid Hub id (local is false, no error), or says why it is neither.
func localModel(model string) (dir string, local bool, err error) {
	if model == "" {
		return "", false, errors.New("resolve model: empty model argument: pass a Hub model id such as gpt2-large, " +
			"or a directory holding config.json and model.safetensors")
	}
	localPath := hfcache.ExpandHome(model)
	if info, err := os.Stat(localPath); err == nil {
		if !info.IsDir() {
			return "", false, fmt.Errorf("resolve model: %s is a file, not a directory: pass the directory that holds "+
				"config.json and model.safetensors", model)
		}
		if err := hfcache.CheckCheckpoint(localPath); err != nil {
			hint := ""
			if hfcache.ValidRepoID(model) {
				hint = fmt.Sprintf(" (to use the Hub model %q instead, run from another directory)", model)
			}
			return "", false, fmt.Errorf("resolve model: local directory %s: %w%s", model, err, hint)
		}
		return localPath, true, nil
	}
	if looksLikePath(model) {
		return "", false, fmt.Errorf("resolve model: no such directory %s: pass an existing directory holding config.json "+
			"and model.safetensors, or a Hub model id such as gpt2-large: %w", model, fs.ErrNotExist)
	}
	if !hfcache.ValidRepoID(model) {
		return "", false, fmt.Errorf("resolve model: %q is neither an existing directory nor a valid Hugging Face Hub "+
			"model id (like gpt2-large or org/name)", model)
	}
	return "", false, nil
}

// hubRepo is the Hub repository a model id names, with GPT-2's legacy ids as aliases of the canonical ones.
func hubRepo(model string) hfcache.Repo {
	repo := hfcache.Repo{ID: model, Name: model}
	for canonical, legacy := range hubLegacyIDs {
		if model == canonical || model == legacy {
			repo.ID, repo.Aliases = canonical, []string{legacy}
		}
	}
	return repo
}

// hfcache converts the options for internal/hfcache.
func (o Options) hfcache() hfcache.Options {
	return hfcache.Options{CacheDir: o.CacheDir, Revision: o.Revision, Progress: o.Progress, Offline: o.Offline, Token: o.Token}
}

// looksLikePath reports whether the model argument s is meant as a file system path rather than a Hub id.
func looksLikePath(s string) bool {
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || filepath.IsAbs(s) {
		return true
	}
	if os.PathSeparator != '/' && strings.ContainsRune(s, os.PathSeparator) {
		return true
	}
	// One '/' may separate org and name; more can only be a path.
	return strings.Count(s, "/") > 1 || (strings.Contains(s, "/") && !hfcache.ValidRepoID(s))
}

// WithRemedy adds a caller's own remedy to an error of Resolve when the
// model is neither cached nor downloadable, in the caller's terms (its flags,
// its settings): offline when offline mode kept it from being downloaded,
// unreachable when the Hub could not be reached. Other errors (a download cut
// midway, whose remedy is to run again) are returned as they are.
func WithRemedy(err error, offline, unreachable string) error {
	switch {
	case !errors.Is(err, ErrModelNotCached):
		return err
	case errors.Is(err, ErrOffline):
		return fmt.Errorf("%w; %s", err, offline)
	case errors.Is(err, ErrHubUnreachable):
		return fmt.Errorf("%w; %s", err, unreachable)
	}
	return err
}
