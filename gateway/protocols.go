package gateway

import (
	"encoding/json"
	"time"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/openai"
	"switchyard/gateway/protocol"
	"switchyard/gateway/responses"
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

// hubRequest is a client request in the hub's form, with what the way
// back needs.
type hubRequest struct {
	req      *openai.ChatRequest
	names    protocol.ToolNames // tools renamed on the way to the hub
	estimate int                // local prompt-token estimate
	rnotes   responses.Notes    // Responses clients: custom tools, drops
}

// clientProtocol is one inbound protocol.
type clientProtocol struct {
	native config.Format // the backend format it passes through to
	toHub  func(in *inbound) (*hubRequest, *apiError)
	// fromHub renders a hub response as the client's JSON body.
	fromHub func(in *inbound, h *hubRequest, resp *openai.ChatResponse) any
	// streamFromHub turns hub chunks into the client's stream; nil means
	// the client reads the hub stream itself.
	streamFromHub func(in *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter
	// pass relays a stream from a backend of the native format.
	pass func() streamConverter
}

// backendFormat is one upstream protocol.
type backendFormat struct {
	path func(stream bool) string
	// fromHub builds the upstream body from the hub request.
	fromHub func(h *hubRequest, opt convert.RequestOptions, ex *exchange) ([]byte, *apiError)
	// toHub reads a non-streaming upstream answer into the hub; ok false
	// means it is not a valid answer (a failed attempt).
	toHub func(body []byte, ex *exchange, clientModel string) (resp *openai.ChatResponse, ok bool)
	// streamToHub turns the upstream stream into hub chunks; nil means
	// the upstream streams the hub already.
	streamToHub func(ex *exchange, opt protocol.StreamOptions) streamConverter
}

var clientProtocols = map[proto]*clientProtocol{
	protoOpenAI: {
		native: config.FormatOpenAI,
		toHub: func(in *inbound) (*hubRequest, *apiError) {
			req, aerr := in.openAIRequest()
			if aerr != nil {
				return nil, aerr
			}
			return &hubRequest{req: req, estimate: convert.EstimateOpenAITokens(req)}, nil
		},
		fromHub: func(_ *inbound, _ *hubRequest, resp *openai.ChatResponse) any { return resp },
		pass:    func() streamConverter { return &openAIPass{} },
	},
	protoAnthropic: {
		native: config.FormatAnthropic,
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
			return &hubRequest{req: out, names: names, estimate: convert.EstimateAnthropicTokens(req)}, nil
		},
		fromHub: func(in *inbound, h *hubRequest, resp *openai.ChatResponse) any {
			return convert.ResponseOToA(resp, in.model, h.names)
		},
		streamFromHub: func(_ *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter {
			opt.ToolNames = h.names
			return convert.NewOToAStream(opt)
		},
		pass: func() streamConverter { return &anthropicPass{} },
	},
	protoResponses: {
		native: config.FormatResponses,
		toHub: func(in *inbound) (*hubRequest, *apiError) {
			var req responses.Request
			if err := json.Unmarshal(in.body, &req); err != nil {
				return nil, &apiError{Status: 400, Type: "invalid_request_error", Message: "invalid responses request: " + jsonErr(err)}
			}
			out, notes, err := responses.RequestToHub(&req)
			if err != nil {
				return nil, convErr(err)
			}
			return &hubRequest{req: out, rnotes: notes, estimate: convert.EstimateOpenAITokens(out)}, nil
		},
		fromHub: func(in *inbound, h *hubRequest, resp *openai.ChatResponse) any {
			return responses.ResponseFromHub(resp, responses.FromHubOptions{ClientModel: in.model, Created: time.Now().Unix(), Notes: h.rnotes})
		},
		streamFromHub: func(_ *inbound, h *hubRequest, opt protocol.StreamOptions) streamConverter {
			return responses.NewFromHubStream(opt, h.rnotes)
		},
		pass: func() streamConverter { return &responsesPass{} },
	},
}

var backendFormats = map[config.Format]*backendFormat{
	config.FormatOpenAI: {
		path: func(bool) string { return "/chat/completions" },
		fromHub: func(h *hubRequest, opt convert.RequestOptions, _ *exchange) ([]byte, *apiError) {
			req := *h.req
			req.Model = opt.UpstreamModel
			if req.Stream && (req.StreamOptions == nil || !req.StreamOptions.IncludeUsage) {
				// The client's converter reports usage from the hub stream.
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			b, _ := json.Marshal(&req)
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
		path: func(bool) string { return "/v1/messages" },
		fromHub: func(h *hubRequest, opt convert.RequestOptions, ex *exchange) ([]byte, *apiError) {
			out, notes, err := convert.RequestOToAWithNotes(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			ex.notes = notes
			b, _ := json.Marshal(out)
			return b, nil
		},
		toHub: func(body []byte, ex *exchange, clientModel string) (*openai.ChatResponse, bool) {
			var ar anthropic.Response
			// Not a message (an error object of either shape, or anything
			// else with no content): a failed attempt, not an empty answer.
			if err := json.Unmarshal(body, &ar); err != nil || ar.Type == "error" || ar.Type != "message" && len(ar.Content) == 0 {
				return nil, false
			}
			convert.JSONToolAsText(&ar, ex.notes.JSONTool)
			return convert.ResponseAToO(&ar, clientModel, time.Now().Unix()), true
		},
		streamToHub: func(ex *exchange, opt protocol.StreamOptions) streamConverter {
			opt.JSONTool = ex.notes.JSONTool
			return convert.NewAToOStream(opt)
		},
	},
	config.FormatResponses: {
		path: func(bool) string { return "/responses" },
		fromHub: func(h *hubRequest, opt convert.RequestOptions, _ *exchange) ([]byte, *apiError) {
			out, err := responses.RequestFromHub(h.req, opt)
			if err != nil {
				return nil, convErr(err)
			}
			b, _ := json.Marshal(out)
			return b, nil
		},
		toHub: func(body []byte, _ *exchange, clientModel string) (*openai.ChatResponse, bool) {
			var r responses.Response
			if err := json.Unmarshal(body, &r); err != nil || r.Object != "response" || r.Status == "failed" {
				return nil, false
			}
			out := responses.ResponseToHub(&r)
			if clientModel != "" {
				out.Model = clientModel
			}
			return out, true
		},
		streamToHub: func(_ *exchange, opt protocol.StreamOptions) streamConverter {
			return responses.NewToHubStream(opt)
		},
	},
}

// nativePath is the upstream path of a passthrough request.
func nativePath(f config.Format, _ bool) string {
	switch f {
	case config.FormatAnthropic:
		return "/v1/messages"
	case config.FormatResponses:
		return "/responses"
	}
	return "/chat/completions"
}
