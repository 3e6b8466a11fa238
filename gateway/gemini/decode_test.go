package gemini

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeCases are bodies DecodeRequest must read as json.Unmarshal does
// (the fast path, or encoding/json when it gives up).
var decodeCases = []string{
	`{}`, `null`, `[]`, `"x"`, `{"contents":[]} x`, `{"contents":[],}`, ` { "contents" : [ ] } `,
	`{"systemInstruction":{"parts":[{"text":"You are a helpful assistant."}]},"contents":[{"role":"user","parts":[{"text":"Say hello."}]}],"generationConfig":{"maxOutputTokens":256,"temperature":0.7}}`,
	`{"contents":null,"systemInstruction":null,"tools":null,"toolConfig":null,"generationConfig":null,"safetySettings":null,"cachedContent":null,"model":null}`,
	`{"contents":[null,{"role":null,"parts":null},{"parts":[null,{"text":null},{"text":"a","thought":true,"thoughtSignature":"sig"}]}]}`,
	`{"contents":[{"role":"model","parts":[{"functionCall":{"id":"c1","name":"f","args":{"a":[1,{"b":null}]}}},{"functionCall":null}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"ok"}}},{"functionResponse":null}]}]}`,
	`{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"AAAA"}},{"fileData":{"mimeType":"application/pdf","fileUri":"gs://x"}},{"inlineData":null,"fileData":null}]}]}`,
	`{"contents":[{"parts":[{"executableCode":{"language":"PYTHON","code":"print(1)"}},{"codeExecutionResult":{"outcome":"OUTCOME_OK"}}]}]}`,
	`{"tools":[null,{"functionDeclarations":[null,{"name":"f","description":"d","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING"}}}},{"name":"g","parametersJsonSchema":{"type":"object"}}]},{"googleSearch":{}},{"googleSearchRetrieval":{},"codeExecution":{},"urlContext":{}},{"functionDeclarations":null}]}`,
	`{"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f",null]}}}`, `{"toolConfig":{"functionCallingConfig":null}}`, `{"toolConfig":{}}`,
	`{"generationConfig":{"stopSequences":["x"],"responseMimeType":"application/json","responseSchema":{"type":"OBJECT"},"responseJsonSchema":{"type":"object"},"candidateCount":1,"maxOutputTokens":8192,"temperature":1,"topP":0.95,"topK":40,"seed":-3,"presencePenalty":0.5,"frequencyPenalty":-0.5,"thinkingConfig":{"includeThoughts":true,"thinkingBudget":-1,"thinkingLevel":"HIGH"}}}`,
	`{"generationConfig":{"stopSequences":null,"candidateCount":null,"temperature":null,"thinkingConfig":null}}`,
	`{"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],"cachedContent":"cachedContents/1","model":"models/gemini-2.5-pro"}`,
	// What the fast path leaves to encoding/json: names in another case or
	// escaped, duplicates, wrong types, numbers an int cannot take.
	`{"Contents":[]}`, `{"CONTENTS":[]}`, `{"cont\u0065nts":[]}`, `{"contents":[],"contents":null}`, `{"ſystemInstruction":null}`,
	`{"contents":{}}`, `{"contents":[1]}`, `{"contents":[{"parts":[{"text":1}]}]}`, `{"contents":[{"parts":[{"thought":"yes"}]}]}`,
	`{"generationConfig":{"maxOutputTokens":1.0}}`, `{"generationConfig":{"maxOutputTokens":1e3}}`, `{"generationConfig":{"maxOutputTokens":-0}}`,
	`{"generationConfig":{"maxOutputTokens":99999999999999999999}}`, `{"generationConfig":{"temperature":1e400}}`, `{"generationConfig":{"temperature":"1"}}`,
	`{"generationConfig":{"topK":40,"TopK":41}}`, `{"unknown":{"deep":[1,2,{"x":null}]},"contents":[]}`,
	`{"contents":[{"parts":[{"text":"caf\u00e9 \ud83d\ude00 é \"q\"\n"}],"role":"\xff\xfe"}]}`,
	`{"toolConfig":{"functionCallingConfig":{"allowedFunctionNames":[1]}}}`, `{"tools":[{"functionDeclarations":[{"name":"f","name":"g"}]}]}`,
}

func TestDecodeRequestMatchesUnmarshal(t *testing.T) {
	bodies := decodeCases
	files, _ := filepath.Glob("geminiconv/testdata/vectors/*request*.in.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// The conversion vectors' requests (real Gemini CLI shapes) must
		// take the fast path.
		var v struct{ Input json.RawMessage }
		if err := json.Unmarshal(b, &v); err != nil || len(v.Input) == 0 {
			t.Fatalf("%s: no input: %v", f, err)
		}
		if _, ok := decodeRequestFast(v.Input); !ok && json.Unmarshal(v.Input, new(GenerateContentRequest)) == nil {
			t.Errorf("%s: the fast path gave up on a valid request", f)
		}
		bodies = append(bodies, string(v.Input))
	}
	for _, body := range bodies {
		checkDecode(t, []byte(body))
	}
	if _, ok := decodeRequestFast([]byte(decodeCases[7])); !ok {
		t.Error("the fast path gave up on a Gemini CLI style request")
	}
}

func checkDecode(t *testing.T, body []byte) {
	t.Helper()
	var want GenerateContentRequest
	werr := json.Unmarshal(body, &want)
	got, gerr := DecodeRequest(body)
	switch {
	case (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error():
		t.Fatalf("%s: error %v, want %v", body, gerr, werr)
	case werr == nil && !reflect.DeepEqual(*got, want):
		t.Fatalf("%s:\n got %+v\nwant %+v", body, *got, want)
	}
}

// FuzzDecodeRequest: for any body, DecodeRequest and json.Unmarshal agree.
func FuzzDecodeRequest(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}

func BenchmarkDecodeRequest(b *testing.B) {
	body := []byte(decodeCases[7])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeRequest(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r GenerateContentRequest
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
