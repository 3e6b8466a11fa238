package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/openai"
	"switchyard/gateway/passthrough"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
	"switchyard/gateway/responses/responsesconv"
	"switchyard/gateway/responses/responsesstream"
)

// The protocol seam. Every client protocol and every backend format is
// one entry below; a request between two of them goes through the hub,
// OpenAI Chat Completions (package protocol explains the design):
//
//	client request → clientProtocol.toHub → hub → backendFormat.fromHub → upstream
//	upstream answer → backendFormat.toHub → hub → clientProtocol.fromHub → client
//	upstream stream → backendFormat.streamToHub → hub chunks → clientProtocol.streamFromHub
//
// A leg whose side speaks Chat is the identity (nil stream converter), so
// OpenAI ⇄ Anthropic keeps its direct converters. A client protocol and
// the backend format it natively speaks pass through untouched.
//
// Adding a protocol is adding its entries here: a clientProtocol in
// clientProtocols (routes, routing fields, conversions, passthrough
// stream, keep-alive, error shape) and a backendFormat in backendFormats
// (path, auth headers, conversions). Handlers, the relay, the error
// renderer and the routes read only these descriptors.

// hubRequest is a client request in the hub's form, with what the way
// back needs.
type hubRequest struct {
	req      *openai.ChatRequest
	names    protocol.ToolNames  // tools renamed on the way to the hub
	estimate int                 // local prompt-token estimate
	size     int                 // the client's body size: room for the upstream body
	rnotes   responsesconv.Notes // Responses clients: custom tools, drops
}

// clientProtocol is one inbound protocol: everything the gateway knows of
// it, from its routes to the shape of its errors. An entry may leave the
// conversion fields nil while it only names an error shape (Gemini, until
// its routes land); handlers and the relay then never see it.
type clientProtocol struct {
	name   string        // for messages: "Anthropic Messages"
	native config.Format // the backend format it passes through to
	// routes are the POST paths whose requests the proxy serves in this
	// protocol (gin patterns).
	routes []string
	// claims reports whether path speaks this protocol, for the shape of
	// errors before (or without) a handler: guard refusals, 404, 405,
	// panics (protoFor). nil = only through its routes' handler.
	claims func(path string) bool
	// routing reads model, stream and include_usage; nil = the body's
	// top-level fields (scanRoutingFields). Gemini reads its URL path.
	routing func(r *http.Request, body []byte) (routingFields, *apiError)
	// passHeaders are client headers forwarded to a backend of the native
	// format (anthropic-version, anthropic-beta).
	passHeaders []string
	// check runs once per request before any upstream is tried (nil =
	// none): Responses refuses there what cannot be converted.
	check func(s *Server, in *inbound) *apiError
	toHub func(in *inbound) (*hubRequest, *apiError)
	// fromHub renders a hub response as the client's JSON body.
	fromHub func(in *inbound, h *hubRequest, resp *openai.ChatResponse) []byte
	// streamFromHub turns hub chunks into the client's stream; nil means
	// the client reads the hub stream itself.
	streamFromHub func(in *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter
	// pass relays a stream from a backend of the native format.
	pass func() streamConverter
	// keepAlive is valid anywhere in the protocol's stream.
	keepAlive []byte
	// renderError renders an error in the protocol's shape: the status
	// to send and the JSON body (errors.go).
	renderError func(e *apiError) (status int, body []byte)
}

func (p *clientProtocol) String() string { return p.name }

// backendFormat is one upstream protocol.
type backendFormat struct {
	// path is appended to the backend's base URL, for converted and
	// passthrough requests alike (Gemini's depends on model and stream).
	path func(model string, stream bool) string
	// setHeaders sets the format's fixed headers and its auth for key
	// ("" = none).
	setHeaders func(h http.Header, key string)
	// fromHub builds the upstream body from the hub request.
	fromHub func(h *hubRequest, opt convert.RequestOptions, ex *exchange) ([]byte, *apiError)
	// toHub reads a non-streaming upstream answer into the hub; ok false
	// means it is not a valid answer (a failed attempt).
	toHub func(body []byte, ex *exchange, clientModel string) (resp *openai.ChatResponse, ok bool)
	// streamToHub turns the upstream stream into hub chunks; nil means
	// the upstream streams the hub already.
	streamToHub func(ex *exchange, opt protocol.StreamOptions) streamConverter
}

// The client protocols. protoFor tries them in clientProtocols' order;
// the first is the default shape of errors no protocol claims.
var (
	protoOpenAI = &clientProtocol{
		name:   "Chat Completions",
		native: config.FormatOpenAI,
		routes: []string{"/v1/chat/completions", "/gateway/v1/chat/completions"},
		toHub: func(in *inbound) (*hubRequest, *apiError) {
			req, aerr := in.openAIRequest()
			if aerr != nil {
				return nil, aerr
			}
			return &hubRequest{req: req, estimate: convert.EstimateOpenAITokens(req), size: len(in.body)}, nil
		},
		fromHub:     func(_ *inbound, _ *hubRequest, resp *openai.ChatResponse) []byte { return marshal(resp) },
		pass:        passthrough.NewChat,
		keepAlive:   []byte(": keepalive\n\n"),
		renderError: renderOpenAIError,
	}
	protoAnthropic = &clientProtocol{
		name:   "Anthropic Messages",
		native: config.FormatAnthropic,
		// Anthropic clients whose base URL wrongly ends in /v1 call
		// /v1/v1/messages: served too, rather than a puzzling 404.
		routes: []string{"/v1/messages", "/v1/v1/messages"},
		claims: func(p string) bool {
			return strings.HasPrefix(p, "/v1/messages") || strings.HasPrefix(p, "/v1/v1/messages")
		},
		passHeaders: []string{"anthropic-version", "anthropic-beta"},
		toHub: func(in *inbound) (*hubRequest, *apiError) {
			req, aerr := in.anthropicRequest()
			if aerr != nil {
				return nil, aerr
			}
			// The model is swapped for the alias by the backend leg.
			out, names, err := convert.RequestAToO(req, convert.RequestOptions{UpstreamModel: in.model})
			if err != nil {
				return nil, convErr(err)
			}
			return &hubRequest{req: out, names: names, estimate: convert.EstimateAnthropicTokens(req), size: len(in.body)}, nil
		},
		fromHub: func(in *inbound, h *hubRequest, resp *openai.ChatResponse) []byte {
			return marshal(convert.ResponseOToA(resp, in.model, h.names))
		},
		streamFromHub: func(_ *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter {
			opt.ToolNames = h.names
			return convert.NewOToAStream(opt)
		},
		pass: passthrough.NewAnthropic,
		// Anthropic clients get message_start before any content, so a
		// ping event is valid anywhere.
		keepAlive:   []byte("event: ping\ndata: {\"type\":\"ping\"}\n\n"),
		renderError: renderAnthropicError,
	}
	protoResponses = &clientProtocol{
		name:   "Responses API",
		native: config.FormatResponses,
		routes: []string{"/v1/responses", "/gateway/v1/responses"},
		check:  checkResponses,
		toHub: func(in *inbound) (*hubRequest, *apiError) {
			req, err := responses.DecodeRequest(in.body) // json.Unmarshal's result, faster
			if err != nil {
				return nil, &apiError{Status: 400, Type: "invalid_request_error", Message: "invalid responses request: " + jsonErr(err)}
			}
			out, notes, err := responsesconv.RequestToHub(req)
			if err != nil {
				return nil, convErr(err)
			}
			return &hubRequest{req: out, rnotes: notes, estimate: convert.EstimateOpenAITokens(out), size: len(in.body)}, nil
		},
		fromHub: func(in *inbound, h *hubRequest, resp *openai.ChatResponse) []byte {
			r := responsesconv.ResponseFromHub(resp, responsesconv.FromHubOptions{ClientModel: in.model, Created: time.Now().Unix(), Notes: h.rnotes})
			return responses.AppendResponse(make([]byte, 0, 1024), r) // json.Marshal's bytes, without its reflection
		},
		streamFromHub: func(_ *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter {
			return responsesstream.NewFromHubStream(opt, h.rnotes)
		},
		pass:        passthrough.NewResponses,
		keepAlive:   []byte(": keepalive\n\n"),
		renderError: renderResponsesError,
	}
	// protoGemini names the Gemini API's error shape for its paths; its
	// routes and conversions are still to come (package gemini has them).
	protoGemini = &clientProtocol{
		name: "Gemini",
		claims: func(p string) bool {
			return strings.HasPrefix(p, "/v1beta/") || strings.HasPrefix(p, "/v1/models/") && strings.Contains(p, ":")
		},
		keepAlive:   []byte(": keepalive\n\n"),
		renderError: renderGeminiError,
	}
)

// clientProtocols is the registry of client protocols: the one place a
// protocol is added. The first is the default error shape.
var clientProtocols = []*clientProtocol{protoOpenAI, protoAnthropic, protoResponses, protoGemini}

// protoFor tells a request's protocol from its path, for the shape of
// errors that come before a handler knows more (guard refusals, unknown
// routes, method errors, panics).
func protoFor(r *http.Request) *clientProtocol {
	for _, p := range clientProtocols {
		if p.claims != nil && p.claims(r.URL.Path) {
			return p
		}
	}
	return clientProtocols[0]
}

// checkResponses refuses what cannot be converted before any upstream is
// tried (a format: responses backend would take it as it is, but the
// answer must not depend on which backend happens to be up).
func checkResponses(s *Server, in *inbound) *apiError {
	h, aerr := in.hubRequest()
	if aerr != nil {
		return aerr
	}
	if len(h.rnotes.Dropped) > 0 {
		// Once per request: hosted tools and replayed reasoning cannot run
		// behind a Chat or Anthropic backend.
		s.log.Info("responses request: left out what a converted backend cannot run", "model", in.model, "dropped", strings.Join(h.rnotes.Dropped, ", "))
	}
	return nil
}

// marshal is json.Marshal for values that always encode.
func marshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func bearerAuth(h http.Header, key string) {
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
}

// backendFormats is the registry of backend formats: the one place a
// format is added.
var backendFormats = map[config.Format]*backendFormat{
	config.FormatOpenAI: {
		path:       func(string, bool) string { return "/chat/completions" },
		setHeaders: bearerAuth,
		fromHub: func(h *hubRequest, opt convert.RequestOptions, _ *exchange) ([]byte, *apiError) {
			req := *h.req
			req.Model = opt.UpstreamModel
			if req.Stream && (req.StreamOptions == nil || !req.StreamOptions.IncludeUsage) {
				// The client's converter reports usage from the hub stream.
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			b, ok := openai.AppendChatRequest(make([]byte, 0, h.size+256), &req) // json.Marshal's bytes
			if !ok {
				b, _ = json.Marshal(&req)
			}
			return b, nil
		},
		toHub: func(body []byte, _ *exchange, _ string) (*openai.ChatResponse, bool) {
			var or openai.ChatResponse
			if err := json.Unmarshal(body, &or); err != nil || len(or.Choices) == 0 {
				return nil, false
			}
			return &or, true
		},
	},
	config.FormatAnthropic: {
		path: func(string, bool) string { return "/v1/messages" },
		setHeaders: func(h http.Header, key string) {
			h.Set("anthropic-version", anthropic.Version)
			if key != "" {
				h.Set("x-api-key", key)
			}
		},
		fromHub: func(h *hubRequest, opt convert.RequestOptions, ex *exchange) ([]byte, *apiError) {
			out, notes, err := convert.RequestOToAWithNotes(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			ex.notes = notes
			b, ok := anthropic.AppendMessagesRequest(make([]byte, 0, h.size+256), out) // json.Marshal's bytes
			if !ok {
				b, _ = json.Marshal(out)
			}
			return b, nil
		},
		toHub: func(body []byte, ex *exchange, clientModel string) (*openai.ChatResponse, bool) {
			ar, err := anthropic.DecodeResponse(body) // json.Unmarshal's result, faster
			// Not a message (an error object of either shape, or anything
			// else with no content): a failed attempt, not an empty answer.
			if err != nil || ar.Type == "error" || ar.Type != "message" && len(ar.Content) == 0 {
				return nil, false
			}
			convert.JSONToolAsText(ar, ex.notes.JSONTool)
			return convert.ResponseAToO(ar, clientModel, time.Now().Unix()), true
		},
		streamToHub: func(ex *exchange, opt protocol.StreamOptions) streamConverter {
			opt.JSONTool = ex.notes.JSONTool
			return convert.NewAToOStream(opt)
		},
	},
	config.FormatResponses: {
		path:       func(string, bool) string { return "/responses" },
		setHeaders: bearerAuth,
		fromHub: func(h *hubRequest, opt convert.RequestOptions, _ *exchange) ([]byte, *apiError) {
			out, err := responsesconv.RequestFromHub(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			b, _ := json.Marshal(out)
			return b, nil
		},
		toHub: func(body []byte, _ *exchange, clientModel string) (*openai.ChatResponse, bool) {
			r, err := responses.DecodeResponse(body) // json.Unmarshal's result, faster
			if err != nil || r.Object != "response" || r.Status == "failed" {
				return nil, false
			}
			out := responsesconv.ResponseToHub(r)
			if clientModel != "" {
				out.Model = clientModel
			}
			return out, true
		},
		streamToHub: func(_ *exchange, opt protocol.StreamOptions) streamConverter {
			return responsesstream.NewToHubStream(opt)
		},
	},
}
