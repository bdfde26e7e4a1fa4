package gpt2

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/go-huggingface/hub"
)

// Model resolution: turning a model argument (a local directory or a Hugging Face Hub id) into a
// local directory holding config.json and safetensors weights.
//
// Hub models live in the cache layout shared with Python's huggingface_hub:
//
//	<cache>/models--<org>--<name>/
//	    blobs/<etag>                      file contents (sha256 for LFS files)
//	    refs/<revision>                   commit hash the revision pointed to
//	    snapshots/<commit>/<file>         symlinks into blobs
//
// Lookups read that layout directly, so a model already downloaded by Python's transformers is reused
// without touching the network. Downloads go through github.com/gomlx/go-huggingface/hub, which writes
// each blob to <blob>.downloading and renames it into place; because that package (v0.3.1) reports a
// body cut off midway as a success, every downloaded file is checked here against the sizes and hashes
// the Hub reports, and removed when it does not match.

// Names of the files that make up a checkpoint directory.
const (
	hubConfigFile      = "config.json"
	hubWeightsFile     = "model.safetensors"
	hubWeightsIndex    = "model.safetensors.index.json"
	hubDefaultEndpoint = "https://huggingface.co"
	hubDefaultRevision = "main"
)

// ErrModelNotCached is wrapped by the errors of ResolveModel when a Hub model is not in the local cache and
// cannot be downloaded: offline mode is on, or the Hub can't be reached.
var ErrModelNotCached = errors.New("model not in the Hugging Face cache")

// ErrNoSuchModel is wrapped by the errors of ResolveModel when the Hub has no such model repository or revision
// (or it is private and no token with access was given).
var ErrNoSuchModel = errors.New("no such model on the Hub")

// ResolveOptions configures ResolveModel.
type ResolveOptions struct {
	// CacheDir is the Hugging Face Hub cache. "" means DefaultHubCacheDir().
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

// hubLegacyIDs maps the canonical ids of the models that used to live at the root of the Hub to their
// legacy ids. The Hub redirects the legacy ids, and caches written by older transformers versions use them.
var hubLegacyIDs = map[string]string{
	"openai-community/gpt2":        "gpt2",
	"openai-community/gpt2-medium": "gpt2-medium",
	"openai-community/gpt2-large":  "gpt2-large",
	"openai-community/gpt2-xl":     "gpt2-xl",
	"distilbert/distilgpt2":        "distilgpt2",
}

// DefaultHubCacheDir returns the Hugging Face Hub cache directory, resolved as Python's huggingface_hub does:
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
// else ~/.cache/huggingface/hub.
func DefaultHubCacheDir() string {
	for _, key := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if dir := os.Getenv(key); dir != "" {
			return hubExpandHome(dir)
		}
	}
	return filepath.Join(hubHomeDir(), "hub")
}

// hubHomeDir returns $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func hubHomeDir() string {
	if dir := os.Getenv("HF_HOME"); dir != "" {
		return hubExpandHome(dir)
	}
	if dir := os.Getenv("XDG_CACHE_HOME"); dir != "" {
		return filepath.Join(hubExpandHome(dir), "huggingface")
	}
	return filepath.Join(hubUserHome(), ".cache", "huggingface")
}

// hubUserHome returns the user's home directory, or "." if it can't be found.
func hubUserHome() string {
	if home, err := os.UserHomeDir(); err == nil {
		return home
	}
	if u, err := user.Current(); err == nil && u.HomeDir != "" {
		return u.HomeDir
	}
	return "."
}

// hubExpandHome replaces a leading "~" (alone or followed by a separator) with the user's home directory.
func hubExpandHome(p string) string {
	if p == "~" {
		return hubUserHome()
	}
	if strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(os.PathSeparator)) {
		return filepath.Join(hubUserHome(), p[2:])
	}
	return p
}

// hubOfflineFromEnv reports whether HF_HUB_OFFLINE turns offline mode on.
func hubOfflineFromEnv() bool {
	switch strings.ToUpper(strings.TrimSpace(os.Getenv("HF_HUB_OFFLINE"))) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// hubEndpoint returns $HF_ENDPOINT without a trailing slash, or https://huggingface.co.
func hubEndpoint() string {
	if e := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/"); e != "" {
		return e
	}
	return hubDefaultEndpoint
}

// hubToken returns the access token to use: explicit, else $HF_TOKEN (or the older $HUGGING_FACE_HUB_TOKEN),
// else the content of the token file ($HF_TOKEN_PATH, else $HF_HOME/token). It returns "" when there is none.
func hubToken(explicit string) string {
	if explicit != "" {
		return explicit
	}
	for _, key := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if tok := strings.TrimSpace(os.Getenv(key)); tok != "" {
			return tok
		}
	}
	tokenPath := os.Getenv("HF_TOKEN_PATH")
	if tokenPath == "" {
		tokenPath = filepath.Join(hubHomeDir(), "token")
	}
	data, err := os.ReadFile(hubExpandHome(tokenPath))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// hubRepoIDPattern matches Hub model ids: "name" or "org/name", made of letters, digits, '_', '-' and '.',
// neither starting nor ending with '-' or '.'.
var hubRepoIDPattern = regexp.MustCompile(`^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// hubIsRepoID reports whether s is a valid Hub model id.
func hubIsRepoID(s string) bool {
	return len(s) <= 96 && hubRepoIDPattern.MatchString(s) &&
		!strings.Contains(s, "--") && !strings.Contains(s, "..") && !strings.HasSuffix(s, ".git")
}

// hubLooksLikePath reports whether the model argument s is meant as a file system path rather than a Hub id.
func hubLooksLikePath(s string) bool {
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || filepath.IsAbs(s) {
		return true
	}
	if os.PathSeparator != '/' && strings.ContainsRune(s, os.PathSeparator) {
		return true
	}
	// One '/' may separate org and name; more can only be a path.
	return strings.Count(s, "/") > 1 || (strings.Contains(s, "/") && !hubIsRepoID(s))
}

// hubCommitPattern matches full git commit hashes.
var hubCommitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// ResolveModel turns a model argument into a local directory holding config.json and the weights
// (model.safetensors, or model.safetensors.index.json with its shards).
//
// An existing directory is checked and returned as is. Anything else is taken as a Hugging Face Hub model id
// ("gpt2-large", "org/name"): ResolveModel looks for it in the Hub cache (shared with Python's huggingface_hub
// and transformers) and, if it is missing and offline mode is off, downloads config.json and the safetensors
// files (never pytorch_model.bin and the like) and returns the snapshot directory.
//
// Errors wrap ErrModelNotCached when the model is not cached and can't be downloaded, and ErrNoSuchModel when
// the Hub has no such model.
func ResolveModel(ctx context.Context, model string, opts ResolveOptions) (string, error) {
	if model == "" {
		return "", errors.New("resolve model: empty model argument: pass a Hub model id such as gpt2-large, " +
			"or a directory holding config.json and model.safetensors")
	}
	localPath := hubExpandHome(model)
	if info, err := os.Stat(localPath); err == nil {
		if !info.IsDir() {
			return "", fmt.Errorf("resolve model: %s is a file, not a directory: pass the directory that holds "+
				"config.json and model.safetensors", model)
		}
		if err := hubCheckModelDir(localPath); err != nil {
			hint := ""
			if hubIsRepoID(model) {
				hint = fmt.Sprintf(" (to use the Hub model %q instead, run from another directory)", model)
			}
			return "", fmt.Errorf("resolve model: local directory %s: %w%s", model, err, hint)
		}
		return localPath, nil
	}
	if hubLooksLikePath(model) {
		return "", fmt.Errorf("resolve model: no such directory %s: pass an existing directory holding config.json "+
			"and model.safetensors, or a Hub model id such as gpt2-large: %w", model, fs.ErrNotExist)
	}
	if !hubIsRepoID(model) {
		return "", fmt.Errorf("resolve model: %q is neither an existing directory nor a valid Hugging Face Hub "+
			"model id (like gpt2-large or org/name)", model)
	}
	r, err := newHubResolver(model, opts)
	if err != nil {
		return "", err
	}
	return r.resolve(ctx)
}

// hubResolver resolves one Hub model id.
type hubResolver struct {
	requested  string   // the id as given
	id         string   // the id used for downloads (canonical for legacy GPT-2 ids)
	cacheIDs   []string // ids whose cache folders may hold the model, preferred first
	cacheDir   string
	revision   string
	defaultRev bool // the revision was not given explicitly
	progress   io.Writer
	offline    bool
	token      string
	endpoint   string
	notCached  string // why the cache can't answer, set once the lookup failed
}

// newHubResolver validates the options for resolving the Hub model id.
func newHubResolver(id string, opts ResolveOptions) (*hubResolver, error) {
	r := &hubResolver{
		requested: id,
		id:        id,
		cacheDir:  opts.CacheDir,
		revision:  opts.Revision,
		progress:  opts.Progress,
		offline:   opts.Offline || hubOfflineFromEnv(),
		token:     hubToken(opts.Token),
		endpoint:  hubEndpoint(),
	}
	if r.cacheDir == "" {
		r.cacheDir = DefaultHubCacheDir()
	}
	r.cacheDir = filepath.Clean(hubExpandHome(r.cacheDir))
	if r.revision == "" {
		r.revision, r.defaultRev = hubDefaultRevision, true
	}
	if strings.Contains(r.revision, "..") || strings.HasPrefix(r.revision, "/") || strings.ContainsRune(r.revision, '\\') {
		return nil, fmt.Errorf("resolve model %s: invalid revision %q: use a branch, tag or commit hash", id, r.revision)
	}
	for canonical, legacy := range hubLegacyIDs {
		if id == canonical || id == legacy {
			r.id = canonical
			r.cacheIDs = []string{canonical, legacy}
		}
	}
	if r.cacheIDs == nil {
		r.cacheIDs = []string{id}
	}
	return r, nil
}

// repoDir returns the cache folder of the given repository id.
func (r *hubResolver) repoDir(id string) string {
	return filepath.Join(r.cacheDir, "models--"+strings.ReplaceAll(id, "/", "--"))
}

// resolve looks the model up in the cache, and downloads it if needed and allowed.
func (r *hubResolver) resolve(ctx context.Context) (string, error) {
	dir, reasons := r.lookupCache()
	if dir != "" {
		return dir, nil
	}
	r.notCached = fmt.Sprintf("%q is not in the cache at %s (%s)", r.requested, r.cacheDir, strings.Join(reasons, "; "))
	if r.offline {
		return "", fmt.Errorf("%w: %s and offline mode is on (HF_HUB_OFFLINE or the offline option), so it can't be "+
			"downloaded; %s", ErrModelNotCached, r.notCached, r.remedy("turn offline mode off to download it, "))
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("resolve model %s: %w", r.requested, err)
	}
	return r.download(ctx)
}

// remedy tells how to get going when the model is neither cached nor downloadable.
func (r *hubResolver) remedy(first string) string {
	return first + "point the model argument (--model, or GPT2TAPS_MODEL / modelName in the notebooks) at a local " +
		"directory holding config.json and model.safetensors instead (for example one " +
		"copied from a machine with network access, or one made by `gpt2taps random-checkpoint --preset gpt2-large " +
		"--seed 1 --out DIR` for a smoke run), or set HF_HUB_CACHE or HF_HOME to a cache that holds the model"
}

// lookupCache returns the snapshot directory of the model in the cache, or "" and the reasons why none of the
// candidate cache folders holds a complete snapshot.
func (r *hubResolver) lookupCache() (dir string, reasons []string) {
	for _, id := range r.cacheIDs {
		repoDir := r.repoDir(id)
		snap, err := r.snapshotDir(repoDir)
		if err == nil {
			err = hubCheckModelDir(snap)
			if err == nil {
				return snap, nil
			}
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", filepath.Base(repoDir), err))
	}
	return "", reasons
}

// snapshotDir finds the snapshot folder of the revision in repoDir: the revision itself when it is a commit hash,
// else the commit in refs/<revision> (written by huggingface_hub), else the "sha" in info/<revision> (written by
// go-huggingface), else, for the default revision only, the one and only snapshot.
func (r *hubResolver) snapshotDir(repoDir string) (string, error) {
	if _, err := os.Stat(repoDir); err != nil {
		return "", errors.New("not downloaded")
	}
	commit := ""
	if hubCommitPattern.MatchString(r.revision) {
		commit = r.revision
	} else if data, err := os.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(r.revision))); err == nil {
		commit = strings.TrimSpace(string(data))
	} else if data, err := os.ReadFile(filepath.Join(repoDir, "info", filepath.FromSlash(r.revision))); err == nil {
		var info struct {
			SHA string `json:"sha"`
		}
		if json.Unmarshal(data, &info) == nil {
			commit = info.SHA
		}
	}
	if commit == "" && r.defaultRev {
		entries, _ := os.ReadDir(filepath.Join(repoDir, "snapshots"))
		if len(entries) == 1 && entries[0].IsDir() {
			commit = entries[0].Name()
		}
	}
	if !hubCommitPattern.MatchString(commit) {
		return "", fmt.Errorf("no snapshot recorded for revision %q", r.revision)
	}
	snap := filepath.Join(repoDir, "snapshots", commit)
	if _, err := os.Stat(snap); err != nil {
		return "", fmt.Errorf("snapshot %s of revision %q is missing", commit, r.revision)
	}
	return snap, nil
}

// hubCheckModelDir checks that dir holds a parsable config.json and complete safetensors weights:
// model.safetensors, or model.safetensors.index.json and every shard it names.
func hubCheckModelDir(dir string) error {
	if err := hubCheckJSONFile(filepath.Join(dir, hubConfigFile)); err != nil {
		return err
	}
	weights, err := hubWeightFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range weights {
		if err := hubCheckSafetensorsFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
	return nil
}

// hubWeightFiles lists the safetensors files of the checkpoint in dir, relative to dir.
func hubWeightFiles(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, hubWeightsFile)); err == nil {
		return []string{hubWeightsFile}, nil
	}
	indexPath := filepath.Join(dir, hubWeightsIndex)
	if _, err := os.Stat(indexPath); err == nil {
		return hubReadWeightsIndex(indexPath)
	}
	for _, other := range []string{"pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack"} {
		if _, err := os.Stat(filepath.Join(dir, other)); err == nil {
			return nil, fmt.Errorf("has %s but no %s: only safetensors checkpoints are supported; convert it with "+
				"transformers (`AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)`)",
				other, hubWeightsFile)
		}
	}
	return nil, fmt.Errorf("has no %s (nor %s): a model directory needs config.json and safetensors weights",
		hubWeightsFile, hubWeightsIndex)
}

// hubReadWeightsIndex returns the shard file names that a model.safetensors.index.json names, sorted.
func hubReadWeightsIndex(indexPath string) ([]string, error) {
	data, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", indexPath, err)
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (incomplete download?): %w; delete it and resolve again", indexPath, err)
	}
	seen := map[string]bool{}
	var shards []string
	for _, shard := range index.WeightMap {
		if shard == "" || strings.HasPrefix(shard, "/") || strings.Contains(shard, "..") || strings.Contains(shard, "\\") {
			return nil, fmt.Errorf("%s names an invalid shard file %q", indexPath, shard)
		}
		if !seen[shard] {
			seen[shard] = true
			shards = append(shards, shard)
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s has an empty weight_map", indexPath)
	}
	sort.Strings(shards)
	return shards, nil
}

// hubCheckJSONFile checks that path exists and holds a JSON object.
func hubCheckJSONFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("has no %s: a model directory needs config.json and model.safetensors", filepath.Base(path))
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("%s is not a JSON object (incomplete download?): %w", path, err)
	}
	return nil
}

// hubMaxSafetensorsHeader bounds the header length accepted (the safetensors format allows up to 100 MB).
const hubMaxSafetensorsHeader = 100 << 20

// hubCheckSafetensorsFile cheaply checks that the safetensors file at path is complete: its size must equal the
// 8-byte header length, plus the JSON header, plus the end of the last tensor's data_offsets.
func hubCheckSafetensorsFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("has no %s: copy or download every file the checkpoint's index names", filepath.Base(path))
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	size := info.Size()
	incomplete := func(format string, args ...any) error {
		return fmt.Errorf("%s is incomplete or corrupt (%s): delete it and download it again", path, fmt.Sprintf(format, args...))
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return incomplete("%d bytes, too short for a safetensors header", size)
	}
	headerLen := binary.LittleEndian.Uint64(lenBuf[:])
	if headerLen > hubMaxSafetensorsHeader || headerLen > uint64(size-8) {
		return incomplete("header length %d, file size %d", headerLen, size)
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(f, header); err != nil {
		return incomplete("reading header: %v", err)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		return incomplete("header is not JSON: %v", err)
	}
	var dataLen uint64
	for name, raw := range entries {
		if name == "__metadata__" {
			continue
		}
		var tensor struct {
			DataOffsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &tensor); err != nil || len(tensor.DataOffsets) != 2 ||
			tensor.DataOffsets[0] > tensor.DataOffsets[1] {
			return incomplete("tensor %q has bad data_offsets %s", name, raw)
		}
		dataLen = max(dataLen, tensor.DataOffsets[1])
	}
	if want := 8 + headerLen + dataLen; want != uint64(size) {
		return incomplete("header describes %d bytes, file has %d", want, size)
	}
	return nil
}

// hubRepoInfo is the part of the Hub API answer for /api/models/<id>/revision/<rev>?blobs=true used here.
type hubRepoInfo struct {
	ID       string       `json:"id"`
	SHA      string       `json:"sha"`
	Siblings []hubSibling `json:"siblings"`
}

// hubSibling describes one file of a Hub repository.
type hubSibling struct {
	Name   string `json:"rfilename"`
	BlobID string `json:"blobId"` // git object id: sha1 of "blob <size>\x00<content>" for non-LFS files
	Size   int64  `json:"size"`
	LFS    *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"lfs"`
}

// expectedSize returns the size the Hub reports for the file, or -1 if it reports none.
func (s hubSibling) expectedSize() int64 {
	if s.LFS != nil && s.LFS.Size > 0 {
		return s.LFS.Size
	}
	if s.Size > 0 {
		return s.Size
	}
	return -1
}

// hubStatusError is an unexpected HTTP status from the Hub API.
type hubStatusError struct {
	status    string
	errorCode string // X-Error-Code header
	message   string // X-Error-Message header
}

func (e *hubStatusError) Error() string {
	msg := "HTTP " + e.status
	if e.errorCode != "" {
		msg += ", " + e.errorCode
	}
	if e.message != "" {
		msg += ": " + e.message
	}
	return msg
}

// fetchRepoInfo asks the Hub API for the commit, file list, sizes and hashes of the revision.
func (r *hubResolver) fetchRepoInfo(ctx context.Context) (*hubRepoInfo, error) {
	apiURL := fmt.Sprintf("%s/api/models/%s/revision/%s?blobs=true", r.endpoint, r.id, url.PathEscape(r.revision))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL, nil)
	if err != nil {
		return nil, fmt.Errorf("resolve model %s: bad Hub endpoint %q (check HF_ENDPOINT): %w", r.requested, r.endpoint, err)
	}
	req.Header.Set("User-Agent", hub.DefaultHttpUserAgent())
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, &hubStatusError{
			status:    resp.Status,
			errorCode: resp.Header.Get("X-Error-Code"),
			message:   resp.Header.Get("X-Error-Message"),
		}
	}
	var info hubRepoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("decode the Hub's answer for %s: %w", apiURL, err)
	}
	if !hubCommitPattern.MatchString(info.SHA) {
		return nil, fmt.Errorf("the Hub's answer for %s has no commit hash (sha %q)", apiURL, info.SHA)
	}
	return &info, nil
}

// download fetches config.json and the safetensors files of the revision into the cache, checks them, records
// the revision's commit in refs/, and returns the snapshot directory.
func (r *hubResolver) download(ctx context.Context) (string, error) {
	info, err := r.fetchRepoInfo(ctx)
	if err != nil {
		return "", r.apiError(ctx, err)
	}
	files := map[string]hubSibling{}
	for _, s := range info.Siblings {
		files[s.Name] = s
	}
	want := []string{hubConfigFile}
	switch {
	case files[hubWeightsFile].Name != "":
		want = append(want, hubWeightsFile)
	case files[hubWeightsIndex].Name != "":
		want = append(want, hubWeightsIndex)
	default:
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		return "", fmt.Errorf("resolve model %s: the Hub repository %s (revision %s) has no %s or %s (files: %s): "+
			"only safetensors checkpoints are supported; pick a repository that has them, or convert the checkpoint "+
			"with transformers and pass its directory", r.requested, r.id, r.revision, hubWeightsFile, hubWeightsIndex,
			strings.Join(names, ", "))
	}
	if files[hubConfigFile].Name == "" {
		return "", fmt.Errorf("resolve model %s: the Hub repository %s has no config.json: it is not a transformers "+
			"checkpoint; pass a repository or directory that has config.json and model.safetensors", r.requested, r.id)
	}

	repoDir := r.repoDir(r.id)
	snap := filepath.Join(repoDir, "snapshots", info.SHA)
	repo := hub.New(r.id).WithEndpoint(r.endpoint).WithCacheDir(r.cacheDir).WithRevision(info.SHA).
		WithAuth(r.token).WithProgressBar(false)
	repo.Verbosity = 0
	repo.MaxParallelDownload = 1
	if r.progress != nil {
		fmt.Fprintf(r.progress, "Downloading %s (revision %s, commit %.12s) into %s\n", r.id, r.revision, info.SHA, repoDir)
	}
	for i := 0; i < len(want); i++ {
		name := want[i]
		if err := r.fetchFile(ctx, repo, repoDir, snap, files[name]); err != nil {
			return "", err
		}
		if name == hubWeightsIndex {
			shards, err := hubReadWeightsIndex(filepath.Join(snap, hubWeightsIndex))
			if err != nil {
				return "", fmt.Errorf("resolve model %s: %w", r.requested, err)
			}
			for _, shard := range shards {
				if files[shard].Name == "" {
					return "", fmt.Errorf("resolve model %s: %s names shard %s, which the Hub repository %s lacks",
						r.requested, hubWeightsIndex, shard, r.id)
				}
				want = append(want, shard)
			}
		}
	}
	if !hubCommitPattern.MatchString(r.revision) {
		if err := hubWriteRef(repoDir, r.revision, info.SHA); err != nil {
			return "", fmt.Errorf("resolve model %s: %w", r.requested, err)
		}
	}
	if err := hubCheckModelDir(snap); err != nil {
		return "", fmt.Errorf("resolve model %s: downloaded snapshot %s: %w", r.requested, snap, err)
	}
	return snap, nil
}

// apiError turns a failed Hub API request into an error that says what to do.
func (r *hubResolver) apiError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("resolve model %s: %w", r.requested, ctx.Err())
	}
	var status *hubStatusError
	if errors.As(err, &status) {
		switch {
		case status.errorCode == "RevisionNotFound":
			return fmt.Errorf("%w: %s has no revision %q (%v); check the revision", ErrNoSuchModel, r.id, r.revision, err)
		case status.errorCode == "GatedRepo" || (status.errorCode == "" && strings.HasPrefix(status.status, "403")):
			return fmt.Errorf("resolve model %s: access to %s is restricted (%v): accept its terms on the Hub and set "+
				"HF_TOKEN to a token with access", r.requested, r.id, err)
		case status.errorCode == "RepoNotFound" || strings.HasPrefix(status.status, "404") || strings.HasPrefix(status.status, "401"):
			return fmt.Errorf("%w: %s (%v); check the model id, or if it is private set HF_TOKEN to a token with access",
				ErrNoSuchModel, r.id, err)
		}
	}
	return fmt.Errorf("%w: %s and the Hub at %s can't be reached (%w); %s", ErrModelNotCached,
		r.notCached, r.endpoint, err, r.remedy(""))
}

// fetchFile makes sure the snapshot holds a verified copy of the file: it removes a copy that doesn't match what
// the Hub reports, downloads the file with hub, and verifies the download.
func (r *hubResolver) fetchFile(ctx context.Context, repo *hub.Repo, repoDir, snap string, file hubSibling) error {
	path := filepath.Join(snap, filepath.FromSlash(file.Name))
	if _, err := os.Lstat(path); err == nil {
		if err := hubVerifyFile(path, file, false); err == nil {
			r.report("\r  %s: cached\n", file.Name)
			return nil
		}
		// A leftover that doesn't match: hub would take it as done, so remove it first.
		if err := hubRemoveCached(repoDir, path); err != nil {
			return fmt.Errorf("resolve model %s: %w", r.requested, err)
		}
	}
	if err := r.downloadFile(ctx, repo, repoDir, file); err != nil {
		return err
	}
	if err := hubVerifyFile(path, file, true); err != nil {
		if rmErr := hubRemoveCached(repoDir, path); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return fmt.Errorf("%w: download of %s from %s failed (%w); the partial file was removed; check the network "+
			"and run again to restart the download", ErrModelNotCached, file.Name, r.endpoint, err)
	}
	return nil
}

// downloadFile downloads one file with hub, reporting progress every half second. hub can't be cancelled: when
// ctx is done, downloadFile returns at once and the download goes on in the background until it ends (hub only
// moves a blob into place once its transfer ended, so an abandoned download never looks complete).
func (r *hubResolver) downloadFile(ctx context.Context, repo *hub.Repo, repoDir string, file hubSibling) error {
	done := make(chan error, 1)
	go func() {
		_, err := repo.DownloadFile(file.Name)
		done <- err
	}()
	var tick <-chan time.Time
	if r.progress != nil {
		ticker := time.NewTicker(500 * time.Millisecond)
		defer ticker.Stop()
		tick = ticker.C
	}
	total := file.expectedSize()
	for {
		select {
		case err := <-done:
			if err != nil {
				r.report("\n")
				return fmt.Errorf("%w: download of %s from %s failed (%w); check the network and run again",
					ErrModelNotCached, file.Name, r.endpoint, err)
			}
			r.report("\r  %s: %s\n", file.Name, hubFormatProgress(total, total))
			return nil
		case <-tick:
			r.report("\r  %s: %s", file.Name, hubFormatProgress(hubPartialBytes(repoDir), total))
		case <-ctx.Done():
			r.report("\n")
			return fmt.Errorf("resolve model %s: download of %s interrupted: %w", r.requested, file.Name, ctx.Err())
		}
	}
}

// report writes to the progress writer, if any.
func (r *hubResolver) report(format string, args ...any) {
	if r.progress != nil {
		fmt.Fprintf(r.progress, format, args...)
	}
}

// hubPartialBytes sums the sizes of the blobs being downloaded (hub writes them to <blob>.downloading).
func hubPartialBytes(repoDir string) int64 {
	matches, _ := filepath.Glob(filepath.Join(repoDir, "blobs", "*.downloading"))
	var n int64
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil {
			n += info.Size()
		}
	}
	return n
}

// hubFormatProgress formats "done / total (pct%)", or just "done" when the total is unknown.
func hubFormatProgress(done, total int64) string {
	if total <= 0 {
		return hubFormatBytes(max(done, 0))
	}
	return fmt.Sprintf("%s / %s (%d%%)", hubFormatBytes(done), hubFormatBytes(total), done*100/total)
}

// hubFormatBytes formats a byte count with a decimal unit.
func hubFormatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	value, exp := float64(n)/unit, 0
	for value >= unit && exp < 4 {
		value /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", value, "kMGTP"[exp])
}

// hubVerifyFile checks a downloaded file against what the Hub reports: size always, content hashes (sha256 for
// LFS files, the git blob id for others) when hashes is set, and the file format's own completeness.
func hubVerifyFile(path string, file hubSibling, hashes bool) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s is missing after download: %w", file.Name, err)
	}
	if want := file.expectedSize(); want >= 0 && info.Size() != want {
		return fmt.Errorf("%s has %d bytes, the Hub reports %d", file.Name, info.Size(), want)
	}
	if hashes {
		switch {
		case file.LFS != nil && len(file.LFS.SHA256) == 64:
			if got, err := hubHashFile(path, sha256.New(), ""); err != nil {
				return err
			} else if got != strings.ToLower(file.LFS.SHA256) {
				return fmt.Errorf("%s has sha256 %s, the Hub reports %s", file.Name, got, file.LFS.SHA256)
			}
		case file.LFS == nil && len(file.BlobID) == 40:
			if got, err := hubHashFile(path, sha1.New(), fmt.Sprintf("blob %d\x00", info.Size())); err != nil {
				return err
			} else if got != strings.ToLower(file.BlobID) {
				return fmt.Errorf("%s has git blob id %s, the Hub reports %s", file.Name, got, file.BlobID)
			}
		}
	}
	switch {
	case strings.HasSuffix(file.Name, ".safetensors"):
		return hubCheckSafetensorsFile(path)
	case strings.HasSuffix(file.Name, ".json"):
		return hubCheckJSONFile(path)
	}
	return nil
}

// hubHashFile returns the hex digest of prefix followed by the file's content.
func hubHashFile(path string, h hash.Hash, prefix string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	_, _ = io.WriteString(h, prefix)
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hubRemoveCached removes a snapshot file and, when it links into the repository's blobs folder, its blob.
func hubRemoveCached(repoDir, path string) error {
	if target, err := os.Readlink(path); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		blobs := filepath.Join(repoDir, "blobs") + string(os.PathSeparator)
		if strings.HasPrefix(filepath.Clean(target), blobs) {
			if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove bad cached blob %s: %w", target, err)
			}
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove bad cached file %s: %w", path, err)
	}
	return nil
}

// hubWriteRef atomically records in refs/<revision> the commit the revision points to, as huggingface_hub does.
func hubWriteRef(repoDir, revision, commit string) error {
	refPath := filepath.Join(repoDir, "refs", filepath.FromSlash(revision))
	if data, err := os.ReadFile(refPath); err == nil && bytes.Equal(bytes.TrimSpace(data), []byte(commit)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(refPath), ".ref-*")
	if err != nil {
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	_, werr := tmp.WriteString(commit)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	if err := os.Rename(tmp.Name(), refPath); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record revision %s: %w", revision, err)
	}
	return nil
}
