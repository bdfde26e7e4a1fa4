package checkpoints

import (
	"context"
	"errors"
	"time"

	"github.com/gpt2taps/gpt2taps/internal/hfcache"
)

// Location says where a model argument's checkpoint is, found without downloading anything: what a run would
// have to fetch before it can start.
type Location struct {
	Model string // the model argument
	// Dir is the checkpoint directory when there is one here: the directory given, or the snapshot in the Hugging
	// Face cache. "" when the model must be downloaded first.
	Dir    string
	Local  bool // the argument is a local directory
	Cached bool // a Hub model found complete in the Hugging Face cache
	// Files are the files a download would fetch, with the sizes the Hub lists, when the model is not here and the
	// Hub could be asked; see HubErr otherwise.
	Files []HubFile
	// HubErr says why the Hub was not asked or did not answer (offline mode, no network) when the model is not
	// here; it wraps ErrOffline or ErrHubUnreachable.
	HubErr error
}

// HubFile is one file of a Hub repository and its size in bytes (-1 when the Hub lists none).
type HubFile struct {
	Name string
	Size int64
}

// DownloadBytes is the total size of Files, and whether it is known: false when the model is here (nothing to
// download), the Hub was not asked, or it lists a file without a size.
func (l Location) DownloadBytes() (int64, bool) {
	if len(l.Files) == 0 {
		return 0, false
	}
	var n int64
	for _, f := range l.Files {
		if f.Size < 0 {
			return 0, false
		}
		n += f.Size
	}
	return n, true
}

// LocateTimeout bounds Locate's question to the Hub: a network that drops packets must not hold up a plan.
const LocateTimeout = 15 * time.Second

// Locate finds where model's checkpoint is without downloading it: a local directory (checked as
// Resolve checks it), a snapshot in the Hugging Face cache, or else on the Hub, whose API it asks for the
// files and sizes a download would fetch. Not being able to ask the Hub (offline mode, no network) is not an
// error: Location.HubErr records it. Errors are for arguments Resolve would refuse whatever the network —
// an invalid argument, a broken local directory — and for models the Hub says it does not have (they wrap
// ErrNoSuchModel).
func Locate(ctx context.Context, model string, opts Options) (Location, error) {
	loc := Location{Model: model}
	dir, local, err := localModel(model)
	if err != nil {
		return loc, err
	}
	if local {
		loc.Dir, loc.Local = dir, true
		return loc, nil
	}
	repo := hubRepo(model)
	if loc.Dir, err = hfcache.Lookup(repo, opts.hfcache()); err != nil {
		return loc, err
	}
	if loc.Dir != "" {
		loc.Cached = true
		return loc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, LocateTimeout)
	defer cancel()
	files, err := hfcache.CheckpointFiles(ctx, repo, opts.hfcache())
	switch {
	case errors.Is(err, ErrOffline) || errors.Is(err, ErrHubUnreachable):
		loc.HubErr = err
	case err != nil:
		return loc, err
	}
	for _, f := range files {
		loc.Files = append(loc.Files, HubFile{Name: f.Name, Size: f.Size})
	}
	return loc, nil
}
