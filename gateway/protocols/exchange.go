package protocols

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/anthropicreq"
	"switchyard/gateway/protocol"
	"switchyard/gateway/route"
)

// Exchange is one attempt's protocol plan: the upstream body and path,
// and how the answer is turned back into the client's protocol.
type Exchange struct {
	Body      []byte
	Path      string
	Format    config.Format
	Convert   bool // protocols differ
	ToolNames convert.ToolNames
	Estimate  int
	Notes     anthropicreq.Notes // what the conversion approximated (response_format)
	Hub       *Hub               // the request in the hub's form (converted paths)
	// UpNames are the tool names the backend leg made safe for its
	// format (Gemini), restored on the way back.
	UpNames protocol.ToolNames
}

// Prepare builds the upstream request body for backend b: untouched (but
// for the model alias) when the backend speaks the client's protocol, else
// through the hub (registry.go). A nil Exchange with a nil error: b's
// format is one this build cannot speak (skip it).
func Prepare(in *Inbound, b *route.BackendSpec) (*Exchange, *Error) {
	upModel := b.UpstreamModel(in.Model) // the one alias lookup (route)
	ex := &Exchange{Format: config.Format(b.Format)}
	bf := Backends[ex.Format]
	switch {
	case bf == nil:
		return nil, nil // a format this build cannot speak: skipped
	case in.Proto.Native == ex.Format:
		ex.Body = in.Body
		if upModel != in.Model && !in.Proto.ModelInPath {
			body, err := WithModel(in.Body, upModel)
			if err != nil {
				return nil, &Error{Status: 400, Message: "malformed JSON in request body"}
			}
			ex.Body = body
		}
		ex.Path = bf.Path(upModel, in.Stream)
		return ex, nil
	}
	h, aerr := in.Hub()
	if aerr != nil {
		return nil, aerr
	}
	opts := convert.RequestOptions{UpstreamModel: upModel, MaxTokensDefault: b.MaxTokensDefault, CacheBreakpoints: b.CacheBreakpoints}
	body, aerr := bf.FromHub(h, opts, ex)
	if aerr != nil {
		return nil, aerr
	}
	ex.Body, ex.Hub, ex.Convert = body, h, true
	ex.ToolNames, ex.Estimate = h.names, h.estimate
	ex.Path = bf.Path(upModel, in.Stream)
	return ex, nil
}

func convErr(err error) *Error {
	var ce *convert.Error
	if errors.As(err, &ce) {
		return &Error{Status: 400, Type: "invalid_request_error", Param: ce.Param, Message: ce.Message}
	}
	return &Error{Status: 400, Type: "invalid_request_error", Message: err.Error()}
}

// NewUpstreamRequest sets the outbound headers: the backend's own key in
// the backend's auth scheme, and an allowlist of client headers. The
// client's Authorization / x-api-key never pass.
func NewUpstreamRequest(ctx context.Context, in *Inbound, a route.Attempt, ex *Exchange) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.BaseURL+ex.Path, bytes.NewReader(ex.Body))
	if err != nil {
		return nil, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	if in.Stream {
		h.Set("Accept", "text/event-stream")
	} else {
		h.Set("Accept", "application/json")
	}
	h.Set("User-Agent", "switchyard")
	Backends[ex.Format].SetHeaders(h, a.Key.Reveal())
	if in.Proto.Native == ex.Format {
		for i := 0; i+1 < len(in.PassHeaders); i += 2 {
			h.Set(in.PassHeaders[i], in.PassHeaders[i+1])
		}
	}
	return req, nil
}

// StreamConverter turns upstream SSE events into client SSE bytes.
type StreamConverter = protocol.StreamConverter

// Release recycles a converter that keeps its state for the next stream
// (protocol.Releaser); the relay calls it once, at the stream's end.
func Release(c StreamConverter) { protocol.Release(c) }

// StreamConverter builds the converter for ex's stream: the passthrough
// relay of the client's protocol, one converting leg, or both joined by
// protocol.Chain. created stamps converted chunks.
func (in *Inbound) StreamConverter(ex *Exchange, created int64) StreamConverter {
	cp := in.Proto
	if !ex.Convert {
		return cp.Pass(in)
	}
	opt := protocol.StreamOptions{ClientModel: in.Model, Created: created, IncludeUsage: in.IncludeUsage, InputEstimate: ex.Estimate}
	var up, down StreamConverter
	if cp.StreamFromHub != nil {
		down = cp.StreamFromHub(in, ex.Hub, opt)
	}
	if f := Backends[ex.Format].StreamToHub; f != nil {
		upOpt := opt
		if down != nil {
			upOpt.IncludeUsage = true // the client's converter reports usage from the hub
		}
		up = f(ex, upOpt)
	}
	switch {
	case up == nil:
		return down
	case down == nil:
		return up
	}
	return protocol.Chain(up, down)
}
