package hfcache

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// defaultRevision is the revision used when none is given.
const defaultRevision = "main"

// Repo names a model repository on the Hub.
type Repo struct {
	// ID is the id downloads use: "name" or "org/name".
	ID string
	// Aliases are other ids of the same repository — legacy ids the Hub redirects to ID — whose cache folders are
	// looked up after ID's: caches written by older tools file the repository under them.
	Aliases []string
	// Name is how messages name the repository, usually the id as the user gave it; "" means ID.
	Name string
}

// Options configure Resolve.
type Options struct {
	// CacheDir is the Hugging Face Hub cache. "" means DefaultCacheDir().
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

// Resolve returns the snapshot directory, in the cache, of the checkpoint that repo holds at the revision:
// config.json and safetensors weights (model.safetensors, or model.safetensors.index.json and its shards), checked
// complete with CheckCheckpoint. It looks in the cache first; if no complete snapshot is there and offline mode
// is off, it downloads what is missing, verifies every file against the size and hash the Hub reports, and
// records the revision's commit in refs/ as huggingface_hub does.
//
// Errors wrap ErrNotCached when the checkpoint is not cached and can't be downloaded (with ErrOffline or
// ErrUnreachable saying why, when that is why), and ErrNoSuchRepo when the Hub has no such repository or revision.
func Resolve(ctx context.Context, repo Repo, opts Options) (string, error) {
	r, err := newResolver(repo, opts)
	if err != nil {
		return "", err
	}
	return r.resolve(ctx)
}

// resolver resolves one repository.
type resolver struct {
	name       string   // the repository as messages name it
	id         string   // the id used for downloads
	cacheIDs   []string // ids whose cache folders may hold the repository, preferred first
	cacheDir   string
	revision   string
	defaultRev bool // the revision was not given explicitly
	progress   io.Writer
	offline    bool
	token      string
	endpoint   string
	notCached  string // why the cache can't answer, set once the lookup failed
}

// newResolver validates the repository and the options.
func newResolver(repo Repo, opts Options) (*resolver, error) {
	r := &resolver{
		name:     repo.Name,
		id:       repo.ID,
		cacheIDs: append([]string{repo.ID}, repo.Aliases...),
		cacheDir: opts.CacheDir,
		revision: opts.Revision,
		progress: opts.Progress,
		offline:  opts.Offline || offlineFromEnv(),
		token:    token(opts.Token),
		endpoint: endpoint(),
	}
	if r.name == "" {
		r.name = repo.ID
	}
	for _, id := range r.cacheIDs {
		if !ValidRepoID(id) {
			return nil, fmt.Errorf("resolve model %s: %q is not a valid Hugging Face Hub model id (like gpt2 or org/name)",
				r.name, id)
		}
	}
	if r.cacheDir == "" {
		r.cacheDir = DefaultCacheDir()
	}
	r.cacheDir = filepath.Clean(ExpandHome(r.cacheDir))
	if r.revision == "" {
		r.revision, r.defaultRev = defaultRevision, true
	}
	if strings.Contains(r.revision, "..") || strings.HasPrefix(r.revision, "/") || strings.ContainsRune(r.revision, '\\') {
		return nil, fmt.Errorf("resolve model %s: invalid revision %q: use a branch, tag or commit hash", r.name, r.revision)
	}
	return r, nil
}

// resolve looks the repository up in the cache, and downloads it if needed and allowed.
func (r *resolver) resolve(ctx context.Context) (string, error) {
	dir, reasons := r.lookupCache()
	if dir != "" {
		return dir, nil
	}
	r.notCached = fmt.Sprintf("%q is not in the cache at %s (%s)", r.name, r.cacheDir, strings.Join(reasons, "; "))
	if r.offline {
		return "", fmt.Errorf("%w: %s and %w (HF_HUB_OFFLINE or the offline option), so it can't be downloaded; %s",
			ErrNotCached, r.notCached, ErrOffline, r.remedy("turn offline mode off to download it, "))
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("resolve model %s: %w", r.name, err)
	}
	return r.download(ctx)
}

// remedy tells how to get going when the repository is neither cached nor downloadable.
func (r *resolver) remedy(first string) string {
	return first + "use a local checkpoint directory holding config.json and model.safetensors instead (for " +
		"example one copied from a machine with network access), or set HF_HUB_CACHE or HF_HOME to a cache that " +
		"holds the model"
}
