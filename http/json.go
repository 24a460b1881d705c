package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ErrorResponse is the body of every error the API returns.
type ErrorResponse struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Answers name the people screened and what they matched: no cache
	// may keep them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, ErrorResponse{Status: status, Error: fmt.Sprintf(format, args...)})
}

// requestError is a client error with its status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// writeErr writes err: its own status for a requestError, 413 for a body
// over the limit, 503 for a timeout, and 500 otherwise (logged, not shown).
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &re):
		writeError(w, re.status, "%s", re.msg)
	case errors.As(err, &mb):
		writeError(w, http.StatusRequestEntityTooLarge, "the request body is larger than the limit of %d bytes", mb.Limit)
	case r.Context().Err() != nil:
		writeError(w, http.StatusServiceUnavailable, "the request took longer than the limit of %s", s.opts.RequestTimeout)
	default:
		s.log.Error("request failed", "route", r.Pattern, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// decodeJSON reads exactly one JSON value from r's body into v, refusing
// unknown fields, trailing data and bodies over limit.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		return &requestError{http.StatusUnsupportedMediaType, fmt.Sprintf("send JSON with Content-Type: application/json, not %q", ct)}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// jsonError turns a decoding error into a clear client error.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends early")
	case errors.As(err, &syn):
		return badRequest("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return badRequest("field %q must be %s, not JSON %s", strings.TrimPrefix(typ.Field, "Query."), jsonType(typ.Type.Kind().String()), typ.Value)
		}
		return badRequest("the body must be a JSON object, not %s", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed JSON: %v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}
