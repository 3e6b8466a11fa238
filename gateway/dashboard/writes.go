package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"switchyard/gateway/config"
)

// The settings and key writes (behind the guard's write rule: a live
// session and its CSRF token, or the client token):
//
//	GET    /api/status                     the Host's status snapshot
//	PATCH  /api/backends/{id}              non-secret settings; answers the status
//	PUT    /api/backends/{id}/keys         adds keys to the keychain; answers the status
//	DELETE /api/backends/{id}/keys/{index} removes one; answers the status

// Writer is what the writes need of the gateway, beside Host.
type Writer interface {
	// UpdateBackend edits one backend's file config, validates, saves and
	// applies it. Errors carry their HTTP status (StatusError).
	UpdateBackend(id string, edit func(*config.Backend)) error
	// HasBackend reports whether id names a configured backend.
	HasBackend(id string) bool
	// AddKey stores a key in the keychain; DeleteKey removes one by
	// index; ReloadKeys makes the gateway route with the keys stored now.
	// Without a keychain (Options.Keychain false) none is called.
	AddKey(ctx context.Context, id, key string) error
	DeleteKey(ctx context.Context, id string, index int) error
	ReloadKeys(ctx context.Context)
	// JSONError describes a JSON decoding error for a message.
	JSONError(err error) string
}

// StatusError is an error with the HTTP status it answers with.
type StatusError interface {
	error
	HTTPStatus() int
}

func (d *Dashboard) writeRoutes(e *gin.Engine) {
	e.GET("/api/status", d.handleStatus)
	e.PATCH("/api/backends/:id", d.handlePatchBackend)
	e.PUT("/api/backends/:id/keys", d.handlePutKeys)
	e.DELETE("/api/backends/:id/keys/:index", d.handleDeleteKey)
}

func (d *Dashboard) handleStatus(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, d.host.Status())
}

// patchBackend is the body of PATCH /api/backends/{id}: non-secret settings.
type patchBackend struct {
	Enabled       *bool              `json:"enabled"`
	Priority      *int               `json:"priority"`
	BaseURLs      []string           `json:"base_urls"`
	Timeout       *int               `json:"timeout"`
	StreamTimeout *int               `json:"stream_timeout"`
	MaxRetries    *int               `json:"max_retries"`
	Models        *string            `json:"models"`
	Aliases       *map[string]string `json:"aliases"`
	Probe         *bool              `json:"probe"`
}

func (p *patchBackend) apply(b *config.Backend) {
	if p.Enabled != nil {
		b.Enabled = *p.Enabled
	}
	if p.Priority != nil {
		b.Priority = *p.Priority
	}
	if p.BaseURLs != nil {
		b.BaseURLs = p.BaseURLs
	}
	if p.Timeout != nil {
		b.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	if p.StreamTimeout != nil {
		b.StreamTimeout = time.Duration(*p.StreamTimeout) * time.Second
	}
	if p.MaxRetries != nil {
		b.MaxRetries = *p.MaxRetries
	}
	if p.Models != nil {
		b.Models = *p.Models
	}
	if p.Aliases != nil {
		b.Aliases = *p.Aliases
	}
	if p.Probe != nil {
		b.Probe = *p.Probe
	}
}

func (d *Dashboard) handlePatchBackend(c *gin.Context) {
	var p patchBackend
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		d.opts.WriteError(c.Writer, http.StatusBadRequest, "invalid settings: "+d.writer.JSONError(err))
		return
	}
	if err := d.writer.UpdateBackend(c.Param("id"), p.apply); err != nil {
		status := http.StatusBadRequest
		var se StatusError
		if errors.As(err, &se) {
			status = se.HTTPStatus()
		}
		d.opts.WriteError(c.Writer, status, err.Error())
		return
	}
	d.handleStatus(c)
}

// putKeys is the body of PUT /api/backends/{id}/keys.
type putKeys struct {
	Key  string   `json:"key"`
	Keys []string `json:"keys"`
}

// handlePutKeys adds keys to the keychain. Write-only: the answer is the
// status, where keys appear masked.
func (d *Dashboard) handlePutKeys(c *gin.Context) {
	id := c.Param("id")
	if !d.writer.HasBackend(id) {
		d.opts.WriteError(c.Writer, http.StatusNotFound, "unknown backend "+strconv.Quote(id))
		return
	}
	if !d.opts.Keychain {
		d.opts.WriteError(c.Writer, http.StatusServiceUnavailable, "no OS keychain is available; set "+config.EnvPrefix(id)+"_API_KEYS in the environment instead")
		return
	}
	keys, msg := readKeys(c.Request.Body)
	if msg != "" {
		d.opts.WriteError(c.Writer, http.StatusBadRequest, msg)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	for _, k := range keys {
		if err := d.writer.AddKey(ctx, id, strings.TrimSpace(k)); err != nil {
			// A keychain error may quote the secret it was given.
			msg := err.Error()
			for _, k := range keys {
				msg = strings.ReplaceAll(msg, strings.TrimSpace(k), "[REDACTED]")
			}
			d.opts.WriteError(c.Writer, http.StatusServiceUnavailable, "storing the key: "+Scrub(msg))
			return
		}
	}
	d.writer.ReloadKeys(ctx)
	d.handleStatus(c)
}

// readKeys reads a putKeys body: the keys, or what is wrong with it.
func readKeys(r io.Reader) ([]string, string) {
	var p putKeys
	body, err := io.ReadAll(r)
	if err == nil {
		err = json.Unmarshal(body, &p)
	}
	if err != nil {
		return nil, "invalid body: want {\"key\":\"…\"} or {\"keys\":[…]}"
	}
	keys := p.Keys
	if p.Key != "" {
		keys = append(keys, p.Key)
	}
	if len(keys) == 0 {
		return nil, "no key given"
	}
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return nil, "empty key"
		}
	}
	return keys, ""
}

// handleDeleteKey removes one keychain key by index.
func (d *Dashboard) handleDeleteKey(c *gin.Context) {
	id := c.Param("id")
	idx, err := strconv.Atoi(c.Param("index"))
	if err != nil || idx < 0 {
		d.opts.WriteError(c.Writer, http.StatusBadRequest, "key index must be a number ≥ 0")
		return
	}
	if !d.writer.HasBackend(id) {
		d.opts.WriteError(c.Writer, http.StatusNotFound, "unknown backend "+strconv.Quote(id))
		return
	}
	if !d.opts.Keychain {
		d.opts.WriteError(c.Writer, http.StatusServiceUnavailable, "no OS keychain is available")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	if err := d.writer.DeleteKey(ctx, id, idx); err != nil {
		status := http.StatusServiceUnavailable
		if strings.Contains(err.Error(), "no such key") {
			status = http.StatusNotFound
		}
		d.opts.WriteError(c.Writer, status, "removing the key: "+err.Error())
		return
	}
	d.writer.ReloadKeys(ctx)
	d.handleStatus(c)
}
