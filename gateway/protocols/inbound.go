package protocols

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
	"switchyard/gateway/passthrough"
	"switchyard/gateway/session"
)

// Inbound is a client request, read and bounded, with the few fields
// routing needs. The full decode into protocol types happens only when a
// conversion needs it, and then once.
type Inbound struct {
	Proto        *Client
	Body         []byte
	Model        string
	Stream       bool
	IncludeUsage bool // OpenAI stream_options.include_usage
	// PassHeaders are the client's proto.PassHeaders that it sent, as
	// name, value pairs: forwarded to a backend of its native format.
	PassHeaders  []string
	CountTokens  bool
	ApproxLogged bool // the approximation log line was written
	ArrayStream  bool // Gemini streamGenerateContent without alt=sse: one JSON array

	// The session's identity as read (SessionKey derives the key from it).
	sessNS     uint64        // protocol and client token, hashed
	sessHeader string        // session_id or x-session-id
	sessSpans  session.Spans // in Body
	sessKey    session.Key
	sessSrc    session.Source
	sessDone   bool

	oreq *openai.ChatRequest
	areq *anthropic.MessagesRequest
	hub  *Hub // the request in the hub's form, made once (registry.go)
}

// Hub converts the request to the hub's form once per request.
func (in *Inbound) Hub() (*Hub, *Error) {
	if in.hub == nil {
		h, aerr := in.Proto.ToHub(in)
		if aerr != nil {
			return nil, aerr
		}
		in.hub = h
	}
	return in.hub, nil
}

// routingFields is the part of a request that routing needs: the body's
// fields, or (Gemini) the path's model and method.
type routingFields struct {
	passthrough.Fields
	CountTokens bool // the method is countTokens (Gemini)
	ArrayStream bool // Gemini without alt=sse: the stream is one JSON array
}

// bodyReadTimeout bounds how long a client may take to send its body.
const bodyReadTimeout = 60 * time.Second

// Read reads and checks the body. Errors are the client's fault
// (400/413) and go back at once with no upstream call.
func Read(w http.ResponseWriter, r *http.Request, p *Client) (*Inbound, *Error) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, err := io.ReadAll(r.Body)
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &Error{Status: 413, Message: "request body too large: the limit is body_limit_mb in config.yaml"}
		}
		return nil, &Error{Status: 400, Message: "reading request body: " + err.Error()}
	}
	route := bodyRoutingFields
	if p.Routing != nil {
		route = p.Routing
	}
	f, aerr := route(r, body)
	if aerr != nil {
		return nil, aerr
	}
	if f.Model == "" {
		return nil, &Error{Status: 400, Type: "invalid_request_error", Param: "model", Message: "the request has no \"model\""}
	}
	in := &Inbound{Proto: p, Body: body, Model: f.Model, Stream: f.Stream, CountTokens: f.CountTokens, ArrayStream: f.ArrayStream}
	if f.StreamOptions != nil {
		in.IncludeUsage = f.StreamOptions.IncludeUsage
	}
	in.sessSpans = f.Session
	if in.sessHeader = r.Header.Get("session_id"); in.sessHeader == "" {
		in.sessHeader = r.Header.Get("x-session-id")
	}
	in.sessNS = session.Namespace(p.Name, clientToken(r), f.Model)
	for _, name := range p.PassHeaders {
		if v := r.Header.Get(name); v != "" {
			in.PassHeaders = append(in.PassHeaders, name, v)
		}
	}
	return in, nil
}

// SessionKey returns the request's session key (package session): its
// session_id or x-session-id header, else the explicit id in its body
// (prompt_cache_key, metadata.user_id, user), else a hash of its system
// prompt and first user turn; namespaced by protocol and client token.
// (0, session.None) when it has none. Derived on first use, once.
func (in *Inbound) SessionKey() (session.Key, session.Source) {
	if !in.sessDone {
		in.sessDone = true
		in.sessKey, in.sessSrc = session.Derive(in.sessNS, in.sessHeader, in.Body, &in.sessSpans)
	}
	return in.sessKey, in.sessSrc
}

// clientToken is the credential the client sent the gateway, as the guard
// reads it (never kept: only its hash, in the session namespace).
func clientToken(r *http.Request) string {
	if v := r.Header.Get("x-api-key"); v != "" {
		return v
	}
	if v := r.Header.Get("Authorization"); v != "" {
		return v
	}
	return r.Header.Get("x-goog-api-key")
}

// bodyRoutingFields reads the routing fields from the body's top level:
// one validating pass that decodes only them; anything unusual (or
// malformed) goes to json.Unmarshal for the exact answer.
func bodyRoutingFields(_ *http.Request, body []byte) (routingFields, *Error) {
	pf, ok := passthrough.ScanFields(body)
	f := routingFields{Fields: pf}
	if !ok {
		f = routingFields{}
		if err := json.Unmarshal(body, &f.Fields); err != nil {
			return f, &Error{Status: 400, Type: "invalid_request_error", Message: "malformed JSON in request body: " + JSONErr(err)}
		}
	}
	return f, nil
}

func JSONErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " (at byte " + strconv.Itoa(int(se.Offset)) + ")"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field \"" + te.Field + "\" has the wrong type (" + te.Value + ")"
	}
	return err.Error()
}

// OpenAIRequest decodes the body as an OpenAI request (once).
func (in *Inbound) OpenAIRequest() (*openai.ChatRequest, *Error) {
	if in.oreq == nil {
		var req openai.ChatRequest
		if err := json.Unmarshal(in.Body, &req); err != nil {
			return nil, &Error{Status: 400, Type: "invalid_request_error", Message: "invalid chat completion request: " + JSONErr(err)}
		}
		in.oreq = &req
	}
	return in.oreq, nil
}

// AnthropicRequest decodes the body as an Anthropic request (once).
func (in *Inbound) AnthropicRequest() (*anthropic.MessagesRequest, *Error) {
	if in.areq == nil {
		var req anthropic.MessagesRequest
		if err := json.Unmarshal(in.Body, &req); err != nil {
			return nil, &Error{Status: 400, Type: "invalid_request_error", Message: "invalid messages request: " + JSONErr(err)}
		}
		in.areq = &req
	}
	return in.areq, nil
}

// WithModel returns body with its top-level "model" replaced, for alias
// rewriting on the passthrough path. Only called when the name differs.
func WithModel(body []byte, model string) ([]byte, error) {
	if out, ok := passthrough.SpliceModel(body, model); ok {
		return out, nil // the usual case, byte-for-byte but the model
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	mb, _ := json.Marshal(model)
	m["model"] = mb
	return json.Marshal(m)
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
