// Package geminitest checks Gemini client streams as they went over the
// wire. It is for tests (of package gemini, of the gateway, fuzz targets),
// not the request path.
package geminitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"switchyard/gateway/gemini"
	"switchyard/gateway/sse"
)

// Chunks splits a client stream into its chunk objects: the data of each
// SSE event, or the elements of the JSON array (which must be valid JSON
// as a whole).
func Chunks(wire []byte, format gemini.StreamFormat) ([][]byte, error) {
	if format == gemini.StreamFormatJSONArray {
		var arr []json.RawMessage
		if err := json.Unmarshal(wire, &arr); err != nil {
			return nil, fmt.Errorf("not a JSON array: %w", err)
		}
		out := make([][]byte, len(arr))
		for i, a := range arr {
			out[i] = a
		}
		return out, nil
	}
	r := sse.NewReader(bytes.NewReader(wire))
	var out [][]byte
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("chunk %d: malformed SSE: %w", len(out), err)
		}
		if ev.Name != "" {
			return nil, fmt.Errorf("chunk %d: Gemini streams have no event names, got %q", len(out), ev.Name)
		}
		out = append(out, append([]byte(nil), ev.Data...))
	}
}

// CheckStream checks a Gemini client stream: every chunk is a JSON object
// of the GenerateContentResponse shape (no unknown fields) or an error
// object {"error":{code,message,status}}; every functionCall has a name
// and object args; exactly one finishReason, on the last chunk, which also
// carries usageMetadata; or the stream ends with one error object and
// nothing after it.
func CheckStream(wire []byte, format gemini.StreamFormat) error {
	chunks, err := Chunks(wire, format)
	if err != nil {
		return err
	}
	if len(chunks) == 0 {
		return errors.New("empty stream")
	}
	finishes := 0
	for i, data := range chunks {
		at := func(f string, a ...any) error { return fmt.Errorf("chunk %d: %s", i, fmt.Sprintf(f, a...)) }
		last := i == len(chunks)-1
		if e, ok := gemini.ParseError(data); ok || bytes.Contains(data, []byte(`"error"`)) && !bytes.Contains(data, []byte(`"candidates"`)) {
			if !ok || e.Code == 0 || e.Message == "" || e.Status == "" {
				return at("error without code, message and status: %s", data)
			}
			if gemini.StatusName(e.Code) != e.Status {
				return at("error status %q does not match code %d", e.Status, e.Code)
			}
			if !last {
				return at("chunk after the error")
			}
			return nil
		}
		var r gemini.GenerateContentResponse
		d := json.NewDecoder(bytes.NewReader(data))
		d.DisallowUnknownFields()
		if err := d.Decode(&r); err != nil {
			return at("not a GenerateContentResponse: %v: %s", err, data)
		}
		if len(r.Candidates) != 1 || r.Candidates[0].Content == nil || r.Candidates[0].Content.Role != "model" {
			return at("want one candidate with model content: %s", data)
		}
		for j, p := range r.Candidates[0].Content.Parts {
			if err := checkPart(p); err != nil {
				return at("part %d: %v", j, err)
			}
		}
		if r.Candidates[0].FinishReason != "" {
			finishes++
			if !last {
				return at("finishReason before the last chunk")
			}
			if r.UsageMetadata == nil {
				return at("last chunk has no usageMetadata")
			}
		}
	}
	if finishes != 1 {
		return errors.New("stream ends without a finishReason or an error")
	}
	return nil
}

func checkPart(p gemini.Part) error {
	n := 0
	if p.Text != nil {
		n++
		if *p.Text == "" {
			return errors.New("empty text part")
		}
	}
	if fc := p.FunctionCall; fc != nil {
		n++
		var args map[string]any
		if fc.Name == "" || json.Unmarshal(fc.Args, &args) != nil || args == nil {
			return fmt.Errorf("functionCall without name or object args: %+v", fc)
		}
	}
	if p.Thought && p.Text == nil {
		return errors.New("thought without text")
	}
	if n != 1 {
		return fmt.Errorf("part has %d data fields", n)
	}
	return nil
}
