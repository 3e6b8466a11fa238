package geminiconv

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"switchyard/gateway/protocol"
)

// Gemini's Schema dialect (FunctionDeclaration.parameters, responseSchema)
// is a subset of OpenAPI 3.0: `type` is an upper-case enum (STRING, NUMBER,
// INTEGER, BOOLEAN, ARRAY, OBJECT, NULL), `nullable: true` allows null,
// `propertyOrdering` orders the properties. SchemaToJSON rewrites it as
// plain JSON Schema:
//
//	type "STRING"              -> "string" (lower-case input accepted)
//	type X + nullable true     -> ["x","null"]
//	TYPE_UNSPECIFIED           -> no type
//	propertyOrdering, example  -> dropped (no JSON Schema equivalent)
//	properties/items/anyOf     -> converted recursively
//	every other keyword        -> kept as it is
//
// A `type` that is not one of the enum values, or a schema (or
// properties/items/anyOf member) that is not an object, cannot be
// expressed: *protocol.Error naming the path.

var schemaTypes = map[string]string{
	"STRING": "string", "NUMBER": "number", "INTEGER": "integer", "BOOLEAN": "boolean",
	"ARRAY": "array", "OBJECT": "object", "NULL": "null",
}

// maxSchemaDepth bounds recursion over client-supplied schemas.
const maxSchemaDepth = 64

// SchemaToJSON converts a Gemini-dialect schema to JSON Schema; path names
// the field for errors (e.g. "tools[0].functionDeclarations[1].parameters").
func SchemaToJSON(raw json.RawMessage, path string) (json.RawMessage, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, &protocol.Error{Param: path, Message: "schema is not valid JSON"}
	}
	out, err := schemaNode(v, path, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &protocol.Error{Param: path, Message: "schema cannot be encoded"}
	}
	return b, nil
}

func schemaNode(v any, path string, depth int) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &protocol.Error{Param: path, Message: "a schema must be a JSON object"}
	}
	if depth > maxSchemaDepth {
		return nil, &protocol.Error{Param: path, Message: "schema nested too deeply"}
	}
	out := make(map[string]any, len(m))
	for k, val := range m {
		switch k {
		case "type", "nullable", "propertyOrdering", "example":
		case "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil, &protocol.Error{Param: path + ".properties", Message: "properties must be an object"}
			}
			conv := make(map[string]any, len(props))
			for name, p := range props {
				c, err := schemaNode(p, path+".properties."+name, depth+1)
				if err != nil {
					return nil, err
				}
				conv[name] = c
			}
			out[k] = conv
		case "items":
			c, err := schemaNode(val, path+".items", depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		case "anyOf":
			list, ok := val.([]any)
			if !ok {
				return nil, &protocol.Error{Param: path + ".anyOf", Message: "anyOf must be an array"}
			}
			conv := make([]any, len(list))
			for i, s := range list {
				c, err := schemaNode(s, path+".anyOf["+itoa(i)+"]", depth+1)
				if err != nil {
					return nil, err
				}
				conv[i] = c
			}
			out[k] = conv
		default:
			out[k] = val
		}
	}
	if err := schemaType(m, out, path); err != nil {
		return nil, err
	}
	return out, nil
}

// schemaType sets out["type"] from m's type and nullable.
func schemaType(m, out map[string]any, path string) error {
	nullable, _ := m["nullable"].(bool)
	raw, has := m["type"]
	if !has {
		if nullable {
			out["nullable"] = true // no type to widen: keep the hint
		}
		return nil
	}
	s, ok := raw.(string)
	if !ok {
		return &protocol.Error{Param: path + ".type", Message: "type must be a string"}
	}
	if s == "TYPE_UNSPECIFIED" || s == "" {
		return nil
	}
	t, ok := schemaTypes[strings.ToUpper(s)]
	if !ok {
		return &protocol.Error{Param: path + ".type", Message: "unknown schema type " + quote(s)}
	}
	if nullable && t != "null" {
		out["type"] = []any{t, "null"}
	} else {
		out["type"] = t
	}
	return nil
}

// SchemaFromJSON is the reverse, for backends that only take the Gemini
// dialect: lower-case types become upper-case, ["x","null"] becomes
// nullable, object properties get a propertyOrdering (sorted, since JSON
// objects are unordered once decoded). Keywords outside the dialect are
// kept; Gemini backends that accept parametersJsonSchema do not need this.
func SchemaFromJSON(raw json.RawMessage) (json.RawMessage, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(toDialect(v, 0))
}

func toDialect(v any, depth int) any {
	m, ok := v.(map[string]any)
	if !ok || depth > maxSchemaDepth {
		return v
	}
	out := make(map[string]any, len(m))
	for k, val := range m {
		switch k {
		case "type":
			switch t := val.(type) {
			case string:
				out["type"] = strings.ToUpper(t)
			case []any:
				for _, e := range t {
					if s, _ := e.(string); s == "null" {
						out["nullable"] = true
					} else if s != "" {
						out["type"] = strings.ToUpper(s)
					}
				}
			}
		case "properties":
			props, _ := val.(map[string]any)
			conv := make(map[string]any, len(props))
			names := make([]string, 0, len(props))
			for name, p := range props {
				conv[name] = toDialect(p, depth+1)
				names = append(names, name)
			}
			sort.Strings(names)
			out[k] = conv
			if _, has := m["propertyOrdering"]; !has && len(names) > 1 {
				out["propertyOrdering"] = names
			}
		case "items":
			out[k] = toDialect(val, depth+1)
		case "anyOf":
			list, _ := val.([]any)
			conv := make([]any, len(list))
			for i, s := range list {
				conv[i] = toDialect(s, depth+1)
			}
			out[k] = conv
		default:
			out[k] = val
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string { return string(protocol.AppendJSONString(nil, s)) }
