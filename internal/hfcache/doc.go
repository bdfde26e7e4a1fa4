// Package hfcache finds model repositories in the Hugging Face Hub cache that Python's huggingface_hub and
// transformers use, and downloads the ones that are missing into it, so that nothing is downloaded twice.
//
// The cache layout is huggingface_hub's:
//
//	<cache>/models--<org>--<name>/
//	    blobs/<etag>                      file contents (sha256 for LFS files)
//	    refs/<revision>                   commit hash the revision pointed to
//	    snapshots/<commit>/<file>         symlinks into blobs
//
// Lookups read that layout directly, so a model already downloaded by Python's transformers is reused without
// touching the network. Downloads go through github.com/gomlx/go-huggingface/hub, which writes each blob to
// <blob>.downloading and renames it into place; because that package (v0.3.1) reports a body cut off midway as a
// success, every downloaded file is checked here against the size and hash the Hub reports, and removed when it
// does not match.
//
// What is fetched is a transformers checkpoint with safetensors weights: config.json and model.safetensors, or
// model.safetensors.index.json and the shards it names (read with stfile.ReadIndex, the reader the loader uses
// too), never pytorch_model.bin and the like. CheckCheckpoint is the test of a complete checkpoint directory, for
// snapshots in the cache and local directories alike; safetensors files are checked with stfile.Check.
//
// The environment is read as huggingface_hub reads it: HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME (the cache),
// HF_HUB_OFFLINE (offline mode), HF_TOKEN, HF_TOKEN_PATH (the access token) and HF_ENDPOINT (the Hub's address).
// Errors say what is wrong and what to do in terms of these and of the package's options; callers add their own
// hints (their flags, their settings) by wrapping them, testing for ErrNotCached, ErrOffline, ErrUnreachable and
// ErrNoSuchRepo with errors.Is.
package hfcache
