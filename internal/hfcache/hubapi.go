package hfcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gomlx/go-huggingface/hub"
)

// repoInfo is the part of the Hub API answer for /api/models/<id>/revision/<rev>?blobs=true used here.
type repoInfo struct {
	ID       string    `json:"id"`
	SHA      string    `json:"sha"`
	Siblings []sibling `json:"siblings"`
}

// sibling describes one file of a Hub repository.
type sibling struct {
	Name   string `json:"rfilename"`
	BlobID string `json:"blobId"` // git object id: sha1 of "blob <size>\x00<content>" for non-LFS files
	Size   int64  `json:"size"`
	LFS    *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"lfs"`
}

// expectedSize returns the size the Hub reports for the file, or -1 if it reports none.
func (s sibling) expectedSize() int64 {
	if s.LFS != nil && s.LFS.Size > 0 {
		return s.LFS.Size
	}
	if s.Size > 0 {
		return s.Size
	}
	return -1
}

// fetchRepoInfo asks the Hub API for the commit, file list, sizes and hashes of the revision.
func (r *resolver) fetchRepoInfo(ctx context.Context) (*repoInfo, error) {
	apiURL := fmt.Sprintf("%s/api/models/%s/revision/%s?blobs=true", r.endpoint, r.id, url.PathEscape(r.revision))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL, nil)
	if err != nil {
		return nil, fmt.Errorf("resolve model %s: bad Hub endpoint %q (check HF_ENDPOINT): %w", r.name, r.endpoint, err)
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
		return nil, &statusError{
			status:    resp.Status,
			errorCode: resp.Header.Get("X-Error-Code"),
			message:   resp.Header.Get("X-Error-Message"),
		}
	}
	var info repoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("decode the Hub's answer for %s: %w", apiURL, err)
	}
	if !commitPattern.MatchString(info.SHA) {
		return nil, fmt.Errorf("the Hub's answer for %s has no commit hash (sha %q)", apiURL, info.SHA)
	}
	return &info, nil
}

// apiError turns a failed Hub API request into an error that says what to do.
func (r *resolver) apiError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("resolve model %s: %w", r.name, ctx.Err())
	}
	var status *statusError
	if errors.As(err, &status) {
		switch {
		case status.errorCode == "RevisionNotFound":
			return fmt.Errorf("%w: %s has no revision %q (%v); check the revision", ErrNoSuchRepo, r.id, r.revision, err)
		case status.errorCode == "GatedRepo" || (status.errorCode == "" && strings.HasPrefix(status.status, "403")):
			return fmt.Errorf("resolve model %s: access to %s is restricted (%v): accept its terms on the Hub and set "+
				"HF_TOKEN to a token with access", r.name, r.id, err)
		case status.errorCode == "RepoNotFound" || strings.HasPrefix(status.status, "404") || strings.HasPrefix(status.status, "401"):
			return fmt.Errorf("%w: %s (%v); check the model id, or if it is private set HF_TOKEN to a token with access",
				ErrNoSuchRepo, r.id, err)
		}
	}
	return fmt.Errorf("%w: %s and %w at %s (%w); %s", ErrNotCached, r.notCached, ErrUnreachable, r.endpoint, err,
		r.remedy(""))
}

// files indexes the repository's files by name and says which one holds its
// weights: WeightsFile, else IndexFile (the shards' index), else "" when it
// has neither.
func (info *repoInfo) files() (files map[string]sibling, weights string) {
	files = map[string]sibling{}
	for _, s := range info.Siblings {
		files[s.Name] = s
	}
	switch {
	case files[WeightsFile].Name != "":
		weights = WeightsFile
	case files[IndexFile].Name != "":
		weights = IndexFile
	}
	return files, weights
}
