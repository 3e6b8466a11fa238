package gemini

import (
	"encoding/json"

	"switchyard/gateway/jscan"
)

// DecodeRequest decodes a generateContent body exactly as json.Unmarshal
// into a GenerateContentRequest would (same value, same error), in one
// pass without reflection for the usual bodies (jscan.Decoder) and through
// encoding/json for the rest.
func DecodeRequest(body []byte) (*GenerateContentRequest, error) {
	if req, ok := decodeRequestFast(body); ok {
		return req, nil
	}
	req := new(GenerateContentRequest)
	if err := json.Unmarshal(body, req); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeRequestFast(body []byte) (*GenerateContentRequest, bool) {
	req := new(GenerateContentRequest)
	var d jscan.Decoder
	d.Reset(body)
	d.Members(requestFields, func(i int) { requestField(&d, req, i) })
	return req, d.Done()
}

var requestFields = []string{"contents", "systemInstruction", "tools", "toolConfig", "generationConfig",
	"safetySettings", "cachedContent", "model"}

func requestField(d *jscan.Decoder, r *GenerateContentRequest, i int) {
	switch i {
	case 0:
		decodeContents(d, &r.Contents)
	case 1:
		if d.Null() {
			r.SystemInstruction = nil
			return
		}
		r.SystemInstruction = new(Content)
		decodeContent(d, r.SystemInstruction)
	case 2:
		decodeTools(d, &r.Tools)
	case 3:
		decodeToolConfig(d, &r.ToolConfig)
	case 4:
		decodeGenerationConfig(d, &r.GenerationConfig)
	case 5:
		d.Raw(&r.SafetySettings)
	case 6:
		d.Text(&r.CachedContent)
	case 7:
		d.Text(&r.Model)
	}
}

var contentFields = []string{"role", "parts"}

func decodeContents(d *jscan.Decoder, p *[]Content) {
	jscan.Slice(d, p, func(c *Content) { decodeContent(d, c) })
}

func decodeContent(d *jscan.Decoder, c *Content) {
	d.Members(contentFields, func(i int) {
		if i == 0 {
			d.Text(&c.Role)
			return
		}
		decodeParts(d, &c.Parts)
	})
}

var partFields = []string{"text", "thought", "thoughtSignature", "inlineData", "fileData", "functionCall",
	"functionResponse", "executableCode", "codeExecutionResult"}

var (
	blobFields     = []string{"mimeType", "data"}
	fileFields     = []string{"mimeType", "fileUri"}
	callFields     = []string{"id", "name", "args"}
	responseFields = []string{"id", "name", "response"}
)

func decodeParts(d *jscan.Decoder, p *[]Part) {
	jscan.Slice(d, p, func(pt *Part) { d.Members(partFields, func(i int) { partField(d, pt, i) }) })
}

func partField(d *jscan.Decoder, pt *Part, i int) {
	switch i {
	case 0:
		d.TextPtr(&pt.Text)
	case 1:
		d.Bool(&pt.Thought)
	case 2:
		d.Text(&pt.ThoughtSignature)
	case 3:
		if d.Null() {
			pt.InlineData = nil
			return
		}
		b := new(Blob)
		pt.InlineData = b
		d.Members(blobFields, func(i int) { d.Text([...]*string{&b.MimeType, &b.Data}[i]) })
	case 4:
		if d.Null() {
			pt.FileData = nil
			return
		}
		f := new(FileData)
		pt.FileData = f
		d.Members(fileFields, func(i int) { d.Text([...]*string{&f.MimeType, &f.FileURI}[i]) })
	case 5:
		if d.Null() {
			pt.FunctionCall = nil
			return
		}
		fc := new(FunctionCall)
		pt.FunctionCall = fc
		d.Members(callFields, func(i int) {
			if i == 2 {
				d.Raw(&fc.Args)
				return
			}
			d.Text([...]*string{&fc.ID, &fc.Name}[i])
		})
	case 6:
		if d.Null() {
			pt.FunctionResponse = nil
			return
		}
		fr := new(FunctionResponse)
		pt.FunctionResponse = fr
		d.Members(responseFields, func(i int) {
			if i == 2 {
				d.Raw(&fr.Response)
				return
			}
			d.Text([...]*string{&fr.ID, &fr.Name}[i])
		})
	case 7:
		d.Raw(&pt.ExecutableCode)
	case 8:
		d.Raw(&pt.CodeExecutionResult)
	}
}

var (
	toolFields        = []string{"functionDeclarations", "googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext"}
	declarationFields = []string{"name", "description", "parameters", "parametersJsonSchema"}
)

func decodeTools(d *jscan.Decoder, p *[]Tool) {
	jscan.Slice(d, p, func(t *Tool) {
		d.Members(toolFields, func(i int) {
			switch i {
			case 0:
				decodeDeclarations(d, &t.FunctionDeclarations)
			case 1:
				d.Raw(&t.GoogleSearch)
			case 2:
				d.Raw(&t.GoogleSearchRetrieval)
			case 3:
				d.Raw(&t.CodeExecution)
			case 4:
				d.Raw(&t.URLContext)
			}
		})
	})
}

func decodeDeclarations(d *jscan.Decoder, p *[]FunctionDeclaration) {
	jscan.Slice(d, p, func(f *FunctionDeclaration) {
		d.Members(declarationFields, func(i int) {
			switch i {
			case 0, 1:
				d.Text([...]*string{&f.Name, &f.Description}[i])
			case 2:
				d.Raw(&f.Parameters)
			case 3:
				d.Raw(&f.ParametersJSONSchema)
			}
		})
	})
}

var (
	toolConfigFields = []string{"functionCallingConfig"}
	callingFields    = []string{"mode", "allowedFunctionNames"}
)

func decodeToolConfig(d *jscan.Decoder, p **ToolConfig) {
	if d.Null() {
		*p = nil
		return
	}
	tc := new(ToolConfig)
	*p = tc
	d.Members(toolConfigFields, func(int) {
		if d.Null() {
			tc.FunctionCallingConfig = nil
			return
		}
		fc := new(FunctionCallingConfig)
		tc.FunctionCallingConfig = fc
		d.Members(callingFields, func(i int) {
			if i == 0 {
				d.Text(&fc.Mode)
				return
			}
			d.Texts(&fc.AllowedFunctionNames)
		})
	})
}

var (
	generationFields = []string{"stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema",
		"candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "seed", "presencePenalty",
		"frequencyPenalty", "thinkingConfig"}
	thinkingFields = []string{"includeThoughts", "thinkingBudget", "thinkingLevel"}
)

func decodeGenerationConfig(d *jscan.Decoder, p **GenerationConfig) {
	if d.Null() {
		*p = nil
		return
	}
	g := new(GenerationConfig)
	*p = g
	d.Members(generationFields, func(i int) {
		switch i {
		case 0:
			d.Texts(&g.StopSequences)
		case 1:
			d.Text(&g.ResponseMimeType)
		case 2:
			d.Raw(&g.ResponseSchema)
		case 3:
			d.Raw(&g.ResponseJSONSchema)
		case 4:
			d.IntPtr(&g.CandidateCount)
		case 5:
			d.IntPtr(&g.MaxOutputTokens)
		case 6:
			d.FloatPtr(&g.Temperature)
		case 7:
			d.FloatPtr(&g.TopP)
		case 8:
			d.FloatPtr(&g.TopK)
		case 9:
			d.IntPtr(&g.Seed)
		case 10:
			d.FloatPtr(&g.PresencePenalty)
		case 11:
			d.FloatPtr(&g.FrequencyPenalty)
		case 12:
			decodeThinking(d, &g.ThinkingConfig)
		}
	})
}

func decodeThinking(d *jscan.Decoder, p **ThinkingConfig) {
	if d.Null() {
		*p = nil
		return
	}
	t := new(ThinkingConfig)
	*p = t
	d.Members(thinkingFields, func(i int) {
		switch i {
		case 0:
			d.Bool(&t.IncludeThoughts)
		case 1:
			d.IntPtr(&t.ThinkingBudget)
		case 2:
			d.Text(&t.ThinkingLevel)
		}
	})
}
