package protocols

import (
	"encoding/json"
	"net/http"
	"strings"

	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/gemini"
	"switchyard/gateway/gemini/geminiconv"
	"switchyard/gateway/gemini/geministream"
	"switchyard/gateway/modellist"
	"switchyard/gateway/openai"
	"switchyard/gateway/passthrough"
	"switchyard/gateway/protocol"
)

// GeminiRoutes are the Gemini API's model routes, v1beta and v1:
// POST …/models/{model}:generateContent | :streamGenerateContent |
// :countTokens (gin cannot split a segment at ':', so the handler reads
// the action), GET …/models and …/models/{model}.
var GeminiRoutes = []string{"/v1beta/models/:action", "/v1/models/:action"}

// Gemini is the Gemini API (Gemini CLI, qwen-code --auth-type gemini,
// Google's SDKs): the model and method are in the path, the key in
// x-goog-api-key or ?key= (the client's own, never forwarded), streams as
// SSE with ?alt=sse, else as one JSON array.
var Gemini = &Client{
	Name:   "Gemini",
	Native: config.FormatGemini,
	Routes: GeminiRoutes,
	Claims: func(p string) bool {
		return strings.HasPrefix(p, "/v1beta/") || strings.HasPrefix(p, "/v1/models/") && strings.Contains(p, ":")
	},
	Routing:     geminiRouting,
	ModelInPath: true,
	ToHub: func(in *Inbound) (*Hub, *Error) {
		req, err := gemini.DecodeRequest(in.Body) // json.Unmarshal's result, faster
		if err != nil {
			return nil, &Error{Status: 400, Type: "invalid_request_error", Message: "invalid generateContent request: " + JSONErr(err)}
		}
		out, names, err := geminiconv.RequestToHub(in.Model, req)
		if err != nil {
			return nil, convErr(err)
		}
		out.Stream = in.Stream
		return &Hub{req: out, names: names, estimate: convert.EstimateOpenAITokens(out), thoughts: req.IncludeThoughts(), size: len(in.Body)}, nil
	},
	FromHub: func(in *Inbound, h *Hub, resp *openai.ChatResponse) []byte {
		r := geminiconv.ResponseFromHub(resp, in.Model, h.thoughts)
		if b, ok := gemini.AppendResponse(make([]byte, 0, 512), r); ok { // json.Marshal's bytes
			return b
		}
		return marshal(r)
	},
	StreamFromHub: func(in *Inbound, h *Hub, opt protocol.StreamOptions) StreamConverter {
		opt.ToolNames = h.names
		return geministream.NewFromHubStream(opt, in.geminiFormat(), h.thoughts)
	},
	Count:       geminiCountTokens,
	Pass:        func(in *Inbound) StreamConverter { return geministream.NewPassStream(in.geminiFormat()) },
	KeepAlive:   []byte(": keepalive\n\n"),
	RenderError: renderGeminiError,
}

// GeminiAction splits a Gemini model route's path
// (…/models/{model}:{method}); ok is false for a method this gateway does
// not serve (the route is then unknown: 404 listing what is served).
func GeminiAction(path string) (model, method string, ok bool) {
	action := path[strings.LastIndex(path, "/models/")+len("/models/"):]
	i := strings.LastIndex(action, ":")
	if i < 0 {
		return "", "", false
	}
	model, method = action[:i], action[i+1:]
	switch method {
	case "generateContent", "streamGenerateContent", "countTokens":
		return model, method, true
	}
	return "", "", false
}

// geminiRouting reads the model and method from the path
// (models/{model}:{method}) and checks the body is JSON.
func geminiRouting(r *http.Request, body []byte) (routingFields, *Error) {
	var f routingFields
	model, method, _ := GeminiAction(r.URL.Path)
	f.Stream = method == "streamGenerateContent"
	f.CountTokens = method == "countTokens"
	// Read once here: the query may also hold the client's key (?key=),
	// which the request keeps no copy of.
	f.ArrayStream = r.URL.Query().Get("alt") != "sse"
	if model == "" {
		return f, &Error{Status: 400, Type: "invalid_request_error", Param: "model", Message: "the path names no model (models/{model}:" + method + ")"}
	}
	// One validating pass that also notes the session's spans
	// (systemInstruction, contents); json.Valid where it cannot answer.
	if pf, ok := passthrough.ScanFields(body); ok {
		f.Session = pf.Session
	} else if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return f, &Error{Status: 400, Type: "invalid_request_error", Message: "malformed JSON in request body: " + JSONErr(err)}
	}
	f.Model = model
	return f, nil
}

// geminiFormat is how a Gemini client wants its stream: SSE with
// ?alt=sse, else one JSON array.
func (in *Inbound) geminiFormat() gemini.StreamFormat {
	if in.ArrayStream {
		return gemini.StreamFormatJSONArray
	}
	return gemini.StreamFormatSSE
}

// StreamContentType is the Content-Type of the client's stream:
// text/event-stream, but application/json for a Gemini JSON-array stream.
func (in *Inbound) StreamContentType() string {
	if in.Proto == Gemini && in.geminiFormat() == gemini.StreamFormatJSONArray {
		return "application/json"
	}
	return "text/event-stream"
}

// StreamKeepAlive is what may go out in a silence of the client's stream:
// the protocol's keep-alive, or for a Gemini JSON array whitespace (valid
// anywhere between its tokens).
func (in *Inbound) StreamKeepAlive() []byte {
	if in.Proto == Gemini && in.geminiFormat() == gemini.StreamFormatJSONArray {
		return []byte("\r\n")
	}
	return in.Proto.KeepAlive
}

// geminiBackend is a backend that speaks the Gemini API (AI Studio's
// generativelanguage endpoint, gcli2api's Gemini routes).
var geminiBackend = &Backend{
	Path:        gemini.Path,
	ModelsPath:  "/models?pageSize=1000",
	ParseModels: modellist.ParseGemini,
	SetHeaders: func(h http.Header, key string) {
		if key != "" {
			h.Set("x-goog-api-key", key)
		}
	},
	FromHub: func(h *Hub, opt convert.RequestOptions, ex *Exchange) ([]byte, *Error) {
		out, names, err := geminiconv.RequestFromHub(h.req, opt)
		if err != nil {
			return nil, convErr(err)
		}
		ex.UpNames = names
		b, _ := json.Marshal(out)
		return b, nil
	},
	ToHub: func(body []byte, ex *Exchange, clientModel string) (*openai.ChatResponse, bool) {
		var r gemini.GenerateContentResponse
		if err := json.Unmarshal(body, &r); err != nil || len(r.Candidates) == 0 && (r.PromptFeedback == nil || r.PromptFeedback.BlockReason == "") {
			return nil, false // an error object, or no answer at all
		}
		out := geminiconv.ResponseToHub(&r, clientModel)
		if ex.UpNames != nil {
			for i := range out.Choices {
				for j := range out.Choices[i].Message.ToolCalls {
					f := &out.Choices[i].Message.ToolCalls[j].Function
					f.Name = ex.UpNames.Client(f.Name)
				}
			}
		}
		return out, true
	},
	StreamToHub: func(ex *Exchange, opt protocol.StreamOptions) StreamConverter {
		opt.ToolNames = ex.UpNames
		return geministream.NewToHubStream(opt)
	},
}

// geminiCountTokens answers countTokens with a local estimate of the
// request's prompt, in Gemini's shape; the body may be the request itself
// or {"generateContentRequest": {...}}.
func geminiCountTokens(in *Inbound) ([]byte, *Error) {
	var wrap struct {
		Req *gemini.GenerateContentRequest `json:"generateContentRequest"`
	}
	body := in.Body
	if json.Unmarshal(body, &wrap) == nil && wrap.Req != nil {
		body, _ = json.Marshal(wrap.Req)
	}
	sub := &Inbound{Proto: in.Proto, Body: body, Model: in.Model}
	h, aerr := sub.Hub()
	if aerr != nil {
		return nil, aerr
	}
	return gemini.CountTokensJSON(h.estimate), nil
}
