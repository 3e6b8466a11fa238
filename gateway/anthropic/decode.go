package anthropic

import (
	"encoding/json"

	"switchyard/gateway/jscan"
)

// DecodeResponse decodes a Messages response body: what json.Unmarshal
// into a Response gives, error included. The usual answer is read by one
// jscan.Decoder pass; what it would not read exactly as encoding/json
// does (blocks with a source or a content, names in another case,
// duplicates, wrong types) is left to encoding/json
// (TestDecodeResponseMatchesUnmarshal, FuzzDecodeResponse). Raw values
// (tool inputs) alias body.
func DecodeResponse(body []byte) (*Response, error) {
	if r, ok := decodeResponseFast(body); ok {
		return r, nil
	}
	r := new(Response)
	if err := json.Unmarshal(body, r); err != nil {
		return nil, err
	}
	return r, nil
}

var responseFields = []string{"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}

var usageFields = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}

func decodeResponseFast(body []byte) (*Response, bool) {
	r := new(Response)
	var d jscan.Decoder
	d.Reset(body)
	d.Members(responseFields, func(i int) {
		switch i {
		case 0, 1, 2, 3:
			d.Text([...]*string{&r.ID, &r.Type, &r.Role, &r.Model}[i])
		case 4:
			decodeBlocks(&d, &r.Content)
		case 5:
			d.TextPtr(&r.StopReason)
		case 6:
			d.TextPtr(&r.StopSequence)
		case 7:
			if !d.Null() {
				u := &r.Usage
				d.Members(usageFields, func(i int) {
					d.Int([...]*int{&u.InputTokens, &u.OutputTokens, &u.CacheCreationInputTokens, &u.CacheReadInputTokens}[i])
				})
			}
		}
	})
	return r, d.Done()
}

var blockFields = []string{"type", "text", "thinking", "signature", "data", "title", "id", "name", "tool_use_id",
	"input", "cache_control", "is_error", "source", "content"}

// decodeBlocks reads content blocks; a source or a content (custom
// decoders) gives up.
func decodeBlocks(d *jscan.Decoder, p *[]Block) {
	jscan.Slice(d, p, func(b *Block) {
		d.Members(blockFields, func(i int) {
			switch i {
			case 0, 4, 5, 6, 7, 8:
				d.Text([...]*string{0: &b.Type, 4: &b.Data, 5: &b.Title, 6: &b.ID, 7: &b.Name, 8: &b.ToolUseID}[i])
			case 1, 2, 3:
				d.TextPtr([...]**string{1: &b.Text, 2: &b.Thinking, 3: &b.Signature}[i])
			case 9:
				d.Raw(&b.Input)
			case 10:
				d.Raw(&b.CacheControl)
			case 11:
				d.Bool(&b.IsError)
			default:
				d.GiveUp()
			}
		})
	})
}
