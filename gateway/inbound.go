package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
	"switchyard/gateway/passthrough"
)

// inbound is a client request, read and bounded, with the few fields
// routing needs. The full decode into protocol types happens only when a
// conversion needs it, and then once.
type inbound struct {
	proto        *clientProtocol
	body         []byte
	model        string
	stream       bool
	includeUsage bool // OpenAI stream_options.include_usage
	// passHeaders are the client's proto.passHeaders that it sent, as
	// name, value pairs: forwarded to a backend of its native format.
	passHeaders  []string
	countTokens  bool
	approxLogged bool // the approximation log line was written

	oreq *openai.ChatRequest
	areq *anthropic.MessagesRequest
	hub  *hubRequest // the request in the hub's form, made once (protocols.go)
}

// hubRequest converts the request to the hub's form once per request.
func (in *inbound) hubRequest() (*hubRequest, *apiError) {
	if in.hub == nil {
		h, aerr := in.proto.toHub(in)
		if aerr != nil {
			return nil, aerr
		}
		in.hub = h
	}
	return in.hub, nil
}

// routingFields is the part of a request that routing needs.
type routingFields = passthrough.Fields

// bodyReadTimeout bounds how long a client may take to send its body.
const bodyReadTimeout = 60 * time.Second

// readInbound reads and checks the body. Errors are the client's fault
// (400/413) and go back at once with no upstream call.
func readInbound(w http.ResponseWriter, r *http.Request, p *clientProtocol) (*inbound, *apiError) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, err := io.ReadAll(r.Body)
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{Status: 413, Message: "request body too large: the limit is body_limit_mb in config.yaml"}
		}
		return nil, &apiError{Status: 400, Message: "reading request body: " + err.Error()}
	}
	route := bodyRoutingFields
	if p.routing != nil {
		route = p.routing
	}
	f, aerr := route(r, body)
	if aerr != nil {
		return nil, aerr
	}
	if f.Model == "" {
		return nil, &apiError{Status: 400, Type: "invalid_request_error", Param: "model", Message: "the request has no \"model\""}
	}
	in := &inbound{proto: p, body: body, model: f.Model, stream: f.Stream}
	if f.StreamOptions != nil {
		in.includeUsage = f.StreamOptions.IncludeUsage
	}
	for _, name := range p.passHeaders {
		if v := r.Header.Get(name); v != "" {
			in.passHeaders = append(in.passHeaders, name, v)
		}
	}
	return in, nil
}

// bodyRoutingFields reads the routing fields from the body's top level:
// one validating pass that decodes only them; anything unusual (or
// malformed) goes to json.Unmarshal for the exact answer.
func bodyRoutingFields(_ *http.Request, body []byte) (routingFields, *apiError) {
	f, ok := passthrough.ScanFields(body)
	if !ok {
		f = routingFields{}
		if err := json.Unmarshal(body, &f); err != nil {
			return f, &apiError{Status: 400, Type: "invalid_request_error", Message: "malformed JSON in request body: " + jsonErr(err)}
		}
	}
	return f, nil
}

func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " (at byte " + itoa(int(se.Offset)) + ")"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field \"" + te.Field + "\" has the wrong type (" + te.Value + ")"
	}
	return err.Error()
}

// openAIRequest decodes the body as an OpenAI request (once).
func (in *inbound) openAIRequest() (*openai.ChatRequest, *apiError) {
	if in.oreq == nil {
		var req openai.ChatRequest
		if err := json.Unmarshal(in.body, &req); err != nil {
			return nil, &apiError{Status: 400, Type: "invalid_request_error", Message: "invalid chat completion request: " + jsonErr(err)}
		}
		in.oreq = &req
	}
	return in.oreq, nil
}

// anthropicRequest decodes the body as an Anthropic request (once).
func (in *inbound) anthropicRequest() (*anthropic.MessagesRequest, *apiError) {
	if in.areq == nil {
		var req anthropic.MessagesRequest
		if err := json.Unmarshal(in.body, &req); err != nil {
			return nil, &apiError{Status: 400, Type: "invalid_request_error", Message: "invalid messages request: " + jsonErr(err)}
		}
		in.areq = &req
	}
	return in.areq, nil
}

// withModel returns body with its top-level "model" replaced, for alias
// rewriting on the passthrough path. Only called when the name differs.
func withModel(body []byte, model string) ([]byte, error) {
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
