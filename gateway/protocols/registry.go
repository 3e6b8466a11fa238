package protocols

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/convert/anthropicreq"
	"switchyard/gateway/convert/streamconv"
	"switchyard/gateway/modellist"
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
//	client request → Client.ToHub → hub → Backend.FromHub → upstream
//	upstream answer → Backend.ToHub → hub → Client.FromHub → client
//	upstream stream → Backend.StreamToHub → hub chunks → Client.StreamFromHub
//
// A leg whose side speaks Chat is the identity (nil stream converter), so
// OpenAI ⇄ Anthropic keeps its direct converters. A client protocol and
// the backend format it natively speaks pass through untouched.
//
// Adding a protocol is adding its entries here: a Client in
// Clients (routes, routing fields, conversions, passthrough
// stream, keep-alive, error shape) and a Backend in Backends
// (path, auth headers, conversions). Handlers, the relay, the error
// renderer and the routes read only these descriptors.

// Hub is a client request in the hub's form, with what the way
// back needs.
type Hub struct {
	req      *openai.ChatRequest
	names    protocol.ToolNames  // tools renamed on the way to the hub
	estimate int                 // local prompt-token estimate
	size     int                 // the client's body size: room for the upstream body
	rnotes   responsesconv.Notes // Responses clients: custom tools, drops
	thoughts bool                // Gemini clients: includeThoughts
}

// Client is one inbound protocol: everything the gateway knows of
// it, from its routes to the shape of its errors. An entry may leave the
// conversion fields nil while it only names an error shape (Gemini, until
// its routes land); handlers and the relay then never see it.
type Client struct {
	Name   string        // for messages: "Anthropic Messages"
	Native config.Format // the backend format it passes through to
	// routes are the POST paths whose requests the proxy serves in this
	// protocol (gin patterns).
	Routes []string
	// claims reports whether path speaks this protocol, for the shape of
	// errors before (or without) a handler: guard refusals, 404, 405,
	// panics (For). nil = only through its routes' handler.
	Claims func(path string) bool
	// routing reads model, stream and include_usage; nil = the body's
	// top-level fields (scanRoutingFields). Gemini reads its URL path.
	Routing func(r *http.Request, body []byte) (routingFields, *Error)
	// ModelInPath: the protocol names the model in the URL, not the body
	// (Gemini), so a passthrough alias changes the upstream path only.
	ModelInPath bool
	// passHeaders are client headers forwarded to a backend of the native
	// format (anthropic-version, anthropic-beta).
	PassHeaders []string
	// check runs once per request before any upstream is tried (nil =
	// none): Responses refuses there what cannot be converted.
	Check func(in *Inbound, log *slog.Logger) *Error
	ToHub func(in *Inbound) (*Hub, *Error)
	// fromHub renders a hub response as the client's JSON body.
	FromHub func(in *Inbound, h *Hub, resp *openai.ChatResponse) []byte
	// streamFromHub turns hub chunks into the client's stream; nil means
	// the client reads the hub stream itself.
	StreamFromHub func(in *Inbound, h *Hub, opt protocol.StreamOptions) StreamConverter
	// Count answers a count-tokens call of the protocol's own routes
	// (Gemini's :countTokens; nil = none).
	Count func(in *Inbound) ([]byte, *Error)
	// pass relays a stream from a backend of the native format.
	Pass func(in *Inbound) StreamConverter
	// keepAlive is valid anywhere in the protocol's stream.
	KeepAlive []byte
	// renderError renders an error in the protocol's shape: the status
	// to send and the JSON body (errors.go).
	RenderError func(e *Error) (status int, body []byte)
}

func (p *Client) String() string { return p.Name }

// Backend is one upstream protocol.
type Backend struct {
	// path is appended to the backend's base URL, for converted and
	// passthrough requests alike (Gemini's depends on model and stream).
	Path func(model string, stream bool) string
	// setHeaders sets the format's fixed headers and its auth for key
	// ("" = none).
	SetHeaders func(h http.Header, key string)
	// fromHub builds the upstream body from the hub request.
	FromHub func(h *Hub, opt convert.RequestOptions, ex *Exchange) ([]byte, *Error)
	// toHub reads a non-streaming upstream answer into the hub; ok false
	// means it is not a valid answer (a failed attempt).
	ToHub func(body []byte, ex *Exchange, clientModel string) (resp *openai.ChatResponse, ok bool)
	// ModelsPath is the backend's model list, under its base URL (GET,
	// with SetHeaders' auth); ParseModels reads the answer.
	ModelsPath  string
	ParseModels func(body []byte) ([]string, error)
	// streamToHub turns the upstream stream into hub chunks; nil means
	// the upstream streams the hub already.
	StreamToHub func(ex *Exchange, opt protocol.StreamOptions) StreamConverter
}

// The client protocols. For tries them in Clients' order;
// the first is the default shape of errors no protocol claims.
var (
	OpenAI = &Client{
		Name:   "Chat Completions",
		Native: config.FormatOpenAI,
		Routes: []string{"/v1/chat/completions", "/gateway/v1/chat/completions"},
		ToHub: func(in *Inbound) (*Hub, *Error) {
			req, aerr := in.OpenAIRequest()
			if aerr != nil {
				return nil, aerr
			}
			return &Hub{req: req, estimate: convert.EstimateOpenAITokens(req), size: len(in.Body)}, nil
		},
		FromHub:     func(_ *Inbound, _ *Hub, resp *openai.ChatResponse) []byte { return marshal(resp) },
		Pass:        func(*Inbound) StreamConverter { return passthrough.NewChat() },
		KeepAlive:   []byte(": keepalive\n\n"),
		RenderError: renderOpenAIError,
	}
	Anthropic = &Client{
		Name:   "Anthropic Messages",
		Native: config.FormatAnthropic,
		// Anthropic clients whose base URL wrongly ends in /v1 call
		// /v1/v1/messages: served too, rather than a puzzling 404.
		Routes: []string{"/v1/messages", "/v1/v1/messages"},
		Claims: func(p string) bool {
			return strings.HasPrefix(p, "/v1/messages") || strings.HasPrefix(p, "/v1/v1/messages")
		},
		PassHeaders: []string{"anthropic-version", "anthropic-beta"},
		ToHub: func(in *Inbound) (*Hub, *Error) {
			req, aerr := in.AnthropicRequest()
			if aerr != nil {
				return nil, aerr
			}
			// The model is swapped for the alias by the backend leg.
			out, names, err := convert.RequestAToO(req, convert.RequestOptions{UpstreamModel: in.Model})
			if err != nil {
				return nil, convErr(err)
			}
			return &Hub{req: out, names: names, estimate: convert.EstimateAnthropicTokens(req), size: len(in.Body)}, nil
		},
		FromHub: func(in *Inbound, h *Hub, resp *openai.ChatResponse) []byte {
			return marshal(convert.ResponseOToA(resp, in.Model, h.names))
		},
		StreamFromHub: func(_ *Inbound, h *Hub, opt protocol.StreamOptions) StreamConverter {
			opt.ToolNames = h.names
			return streamconv.NewOToAStream(opt)
		},
		Pass: func(*Inbound) StreamConverter { return passthrough.NewAnthropic() },
		// Anthropic clients get message_start before any content, so a
		// ping event is valid anywhere.
		KeepAlive:   []byte("event: ping\ndata: {\"type\":\"ping\"}\n\n"),
		RenderError: renderAnthropicError,
	}
	Responses = &Client{
		Name:   "Responses API",
		Native: config.FormatResponses,
		Routes: []string{"/v1/responses", "/gateway/v1/responses"},
		Check:  checkResponses,
		ToHub: func(in *Inbound) (*Hub, *Error) {
			req, err := responses.DecodeRequest(in.Body) // json.Unmarshal's result, faster
			if err != nil {
				return nil, &Error{Status: 400, Type: "invalid_request_error", Message: "invalid responses request: " + JSONErr(err)}
			}
			out, notes, err := responsesconv.RequestToHub(req)
			if err != nil {
				return nil, convErr(err)
			}
			return &Hub{req: out, rnotes: notes, estimate: convert.EstimateOpenAITokens(out), size: len(in.Body)}, nil
		},
		FromHub: func(in *Inbound, h *Hub, resp *openai.ChatResponse) []byte {
			r := responsesconv.ResponseFromHub(resp, responsesconv.FromHubOptions{ClientModel: in.Model, Created: time.Now().Unix(), Notes: h.rnotes})
			return responses.AppendResponse(make([]byte, 0, 1024), r) // json.Marshal's bytes, without its reflection
		},
		StreamFromHub: func(_ *Inbound, h *Hub, opt protocol.StreamOptions) StreamConverter {
			return responsesstream.NewFromHubStream(opt, h.rnotes)
		},
		Pass:        func(*Inbound) StreamConverter { return passthrough.NewResponses() },
		KeepAlive:   []byte(": keepalive\n\n"),
		RenderError: renderResponsesError,
	}
	// Gemini names the Gemini API's error shape for its paths; its
	// routes and conversions are still to come (package gemini has them).
)

// Clients is the registry of client protocols: the one place a
// protocol is added. The first is the default error shape.
var Clients = []*Client{OpenAI, Anthropic, Responses, Gemini}

// For tells a request's protocol from its path, for the shape of
// errors that come before a handler knows more (guard refusals, unknown
// routes, method errors, panics).
func For(r *http.Request) *Client {
	for _, p := range Clients {
		if p.Claims != nil && p.Claims(r.URL.Path) {
			return p
		}
	}
	return Clients[0]
}

// checkResponses refuses what cannot be converted before any upstream is
// tried (a format: responses backend would take it as it is, but the
// answer must not depend on which backend happens to be up).
func checkResponses(in *Inbound, log *slog.Logger) *Error {
	h, aerr := in.Hub()
	if aerr != nil {
		return aerr
	}
	if len(h.rnotes.Dropped) > 0 {
		// Once per request: hosted tools and replayed reasoning cannot run
		// behind a Chat or Anthropic backend.
		log.Info("responses request: left out what a converted backend cannot run", "model", in.Model, "dropped", strings.Join(h.rnotes.Dropped, ", "))
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

// Backends is the registry of backend formats: the one place a
// format is added.
var Backends = map[config.Format]*Backend{
	config.FormatOpenAI: {
		Path:        func(string, bool) string { return "/chat/completions" },
		ModelsPath:  "/models",
		ParseModels: modellist.ParseOpenAI,
		SetHeaders:  bearerAuth,
		FromHub: func(h *Hub, opt convert.RequestOptions, _ *Exchange) ([]byte, *Error) {
			req := *h.req
			req.Model = opt.UpstreamModel
			if req.Stream && (req.StreamOptions == nil || !req.StreamOptions.IncludeUsage) {
				// The client's converter reports usage from the hub stream.
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			b, ok := openai.AppendChatRequest(make([]byte, 0, 1024), &req) // json.Marshal's bytes
			if !ok {
				b, _ = json.Marshal(&req)
			}
			return b, nil
		},
		ToHub: func(body []byte, _ *Exchange, _ string) (*openai.ChatResponse, bool) {
			var or openai.ChatResponse
			if err := json.Unmarshal(body, &or); err != nil || len(or.Choices) == 0 {
				return nil, false
			}
			return &or, true
		},
	},
	config.FormatAnthropic: {
		Path:        func(string, bool) string { return "/v1/messages" },
		ModelsPath:  "/v1/models",
		ParseModels: modellist.ParseOpenAI, // Anthropic's list has the same data[].id
		SetHeaders: func(h http.Header, key string) {
			h.Set("anthropic-version", anthropic.Version)
			if key != "" {
				h.Set("x-api-key", key)
			}
		},
		FromHub: func(h *Hub, opt convert.RequestOptions, ex *Exchange) ([]byte, *Error) {
			out, notes, err := anthropicreq.RequestOToAWithNotes(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			ex.Notes = notes
			b, ok := anthropic.AppendMessagesRequest(make([]byte, 0, h.size+256), out) // json.Marshal's bytes
			if !ok {
				b, _ = json.Marshal(out)
			}
			return b, nil
		},
		ToHub: func(body []byte, ex *Exchange, clientModel string) (*openai.ChatResponse, bool) {
			ar, err := anthropic.DecodeResponse(body) // json.Unmarshal's result, faster
			// Not a message (an error object of either shape, or anything
			// else with no content): a failed attempt, not an empty answer.
			if err != nil || ar.Type == "error" || ar.Type != "message" && len(ar.Content) == 0 {
				return nil, false
			}
			anthropicreq.JSONToolAsText(ar, ex.Notes.JSONTool)
			return convert.ResponseAToO(ar, clientModel, time.Now().Unix()), true
		},
		StreamToHub: func(ex *Exchange, opt protocol.StreamOptions) StreamConverter {
			opt.JSONTool = ex.Notes.JSONTool
			return streamconv.NewAToOStream(opt)
		},
	},
	config.FormatGemini: geminiBackend,
	config.FormatResponses: {
		Path:        func(string, bool) string { return "/responses" },
		ModelsPath:  "/models",
		ParseModels: modellist.ParseOpenAI,
		SetHeaders:  bearerAuth,
		FromHub: func(h *Hub, opt convert.RequestOptions, _ *Exchange) ([]byte, *Error) {
			out, err := responsesconv.RequestFromHub(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			b, _ := json.Marshal(out)
			return b, nil
		},
		ToHub: func(body []byte, _ *Exchange, clientModel string) (*openai.ChatResponse, bool) {
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
		StreamToHub: func(_ *Exchange, opt protocol.StreamOptions) StreamConverter {
			return responsesstream.NewToHubStream(opt)
		},
	},
}
