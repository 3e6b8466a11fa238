package protocols

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"switchyard/gateway/config"
	"switchyard/gateway/convert"
	"switchyard/gateway/openai"
	"switchyard/gateway/route"
)

// The requests a backend is checked with outside a client's request: the
// GET of its model list (the model lists and the periodic health probe)
// and one tiny real completion (the Test button).

// TestPrompt and TestMaxTokens are the Test completion's prompt and
// answer bound: a few tokens at most.
const (
	TestPrompt    = "Reply with OK"
	TestMaxTokens = 8
)

var errNoFormat = errors.New("no adapter for this backend format")

// ModelsRequest is the GET of the model list of a backend of format f at
// base, with key in the format's auth.
func ModelsRequest(ctx context.Context, f config.Format, base string, key route.Secret) (*http.Request, error) {
	bf := Backends[f]
	if bf == nil || bf.ModelsPath == "" {
		return nil, errNoFormat
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+bf.ModelsPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchyard")
	bf.SetHeaders(req.Header, key.Reveal())
	return req, nil
}

// TestRequest is one tiny real completion asking model (the upstream's
// name) for TestPrompt in at most TestMaxTokens tokens, not streamed, in
// the format of f: built through the hub as a converted request is.
func TestRequest(ctx context.Context, f config.Format, base string, key route.Secret, model string) (*http.Request, error) {
	bf := Backends[f]
	if bf == nil {
		return nil, errNoFormat
	}
	n := TestMaxTokens
	if f == config.FormatResponses {
		n = 16 // the Responses API refuses max_output_tokens below 16
	}
	h := &Hub{req: &openai.ChatRequest{Model: model, MaxTokens: &n,
		Messages: []openai.Message{{Role: "user", Content: openai.TextContent(TestPrompt)}}}}
	body, aerr := bf.FromHub(h, convert.RequestOptions{UpstreamModel: model, MaxTokensDefault: n}, &Exchange{Format: f})
	if aerr != nil {
		return nil, errors.New(aerr.Message)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+bf.Path(model, false), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchyard")
	bf.SetHeaders(req.Header, key.Reveal())
	return req, nil
}

// TestAnswer reads the answer to a TestRequest: the model that answered,
// as the answer names it; ok is false when body is not a completion of
// format f (an error object, anything else).
func TestAnswer(f config.Format, body []byte) (model string, ok bool) {
	bf := Backends[f]
	if bf == nil {
		return "", false
	}
	resp, ok := bf.ToHub(body, &Exchange{Format: f}, "")
	if !ok {
		return "", false
	}
	return resp.Model, true
}
