package anthropicreq

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/openai"
)

// oPartsToA converts an OpenAI message content (string or parts) into
// Anthropic blocks, dropping empty text. media=false (system messages)
// keeps text only. msg is the message index, for *Error params.
func oPartsToA(c openai.Content, msg int, media bool) ([]anthropic.Block, error) {
	if c.Text != nil {
		if *c.Text == "" {
			return nil, nil
		}
		return []anthropic.Block{anthropic.TextBlock(*c.Text)}, nil
	}
	var out []anthropic.Block
	for j, p := range c.Parts {
		var b anthropic.Block
		if p.Type == "text" || p.Type == "input_text" { // the usual part: no error to name it in
			if p.Text == "" {
				continue
			}
			b = anthropic.TextBlock(p.Text)
			b.CacheControl = p.CacheControl
			out = append(out, b)
			continue
		}
		param := fmt.Sprintf("messages[%d].content[%d]", msg, j)
		switch p.Type {
		case "image_url":
			if !media {
				continue
			}
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, &Error{Param: param, Message: "image_url.url is required"}
			}
			var err error
			if b, err = imageURLToA(p.ImageURL.URL, param); err != nil {
				return nil, err
			}
		case "file":
			if !media {
				continue
			}
			var err error
			if b, err = fileToA(p.File, param); err != nil {
				return nil, err
			}
		case "input_audio":
			return nil, &Error{Param: param, Message: "audio input (input_audio) is not supported by this model"}
		default:
			continue // refusal and unknown part types carry nothing to send
		}
		b.CacheControl = p.CacheControl
		out = append(out, b)
	}
	return out, nil
}

// anthropicImageTypes are the image media types Anthropic accepts.
var anthropicImageTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
}

// imageURLToA converts an image_url: a base64 data: URL becomes a base64
// source (jpeg/png/gif/webp only), an http(s) URL a url source.
func imageURLToA(u, param string) (anthropic.Block, error) {
	if hasPrefixFold(u, "data:") {
		mt, data, b64 := parseDataURL(u)
		if !b64 {
			return anthropic.Block{}, &Error{Param: param, Message: "image data URL must be base64-encoded"}
		}
		return base64Image(mt, data, param)
	}
	if hasPrefixFold(u, "https://") || hasPrefixFold(u, "http://") {
		return anthropic.Block{Type: "image", Source: &anthropic.Source{Type: "url", URL: u}}, nil
	}
	return anthropic.Block{}, &Error{Param: param, Message: "image_url must be a data: URL or an http(s) URL"}
}

func base64Image(mt, data, param string) (anthropic.Block, error) {
	if mt == "image/jpg" {
		mt = "image/jpeg"
	}
	if !anthropicImageTypes[mt] {
		return anthropic.Block{}, &Error{Param: param,
			Message: fmt.Sprintf("image type %q is not supported; use image/jpeg, image/png, image/gif or image/webp", mt)}
	}
	return anthropic.Block{Type: "image", Source: &anthropic.Source{Type: "base64", MediaType: mt, Data: data}}, nil
}

// fileToA converts a file part with inline file_data: a PDF becomes a
// base64 document, text/* a text document, an image an image block.
// file_id references cannot be resolved for an Anthropic upstream.
func fileToA(f *openai.File, param string) (anthropic.Block, error) {
	if f == nil || f.FileData == "" {
		if f != nil && f.FileID != "" {
			return anthropic.Block{}, &Error{Param: param, Message: "file_id is not supported by this model; send the file inline as file_data"}
		}
		return anthropic.Block{}, &Error{Param: param, Message: "file part needs file_data"}
	}
	mt, data, b64 := "application/pdf", f.FileData, true // bare base64: OpenAI files are PDFs
	if hasPrefixFold(f.FileData, "data:") {
		mt, data, b64 = parseDataURL(f.FileData)
	}
	var b anthropic.Block
	switch {
	case mt == "application/pdf" && b64:
		b = anthropic.Block{Type: "document", Source: &anthropic.Source{Type: "base64", MediaType: mt, Data: data}}
	case strings.HasPrefix(mt, "text/"):
		text := data
		if b64 {
			raw, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				return anthropic.Block{}, &Error{Param: param, Message: "file_data is not valid base64"}
			}
			text = string(raw)
		}
		b = anthropic.Block{Type: "document", Source: &anthropic.Source{Type: "text", MediaType: "text/plain", Data: text}}
	case strings.HasPrefix(mt, "image/") && b64:
		return base64Image(mt, data, param)
	default:
		return anthropic.Block{}, &Error{Param: param,
			Message: fmt.Sprintf("file type %q is not supported; send application/pdf, text/plain or an image", mt)}
	}
	b.Title = f.Filename
	return b, nil
}

// parseDataURL splits "data:<mt>[;param…][;base64],<data>". mt is
// lower-cased ("text/plain" when absent); non-base64 data is
// percent-decoded.
func parseDataURL(u string) (mt, data string, b64 bool) {
	rest := u[len("data:"):]
	meta, data, _ := strings.Cut(rest, ",")
	parts := strings.Split(meta, ";")
	mt = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		if strings.EqualFold(strings.TrimSpace(p), "base64") {
			b64 = true
		}
	}
	if mt == "" {
		mt = "text/plain"
	}
	if !b64 {
		if d, err := url.PathUnescape(data); err == nil {
			data = d
		}
	}
	return mt, data, b64
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
