package http

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// KeyResponse is one API key as the admin routes show it: never its secret.
type KeyResponse struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// KeysResponse answers GET /v1/keys.
type KeysResponse struct {
	Keys []KeyResponse `json:"keys"`
}

// CreateKeyRequest is the body of POST /v1/keys.
type CreateKeyRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// CreatedKeyResponse answers POST /v1/keys: the key and its secret, which
// is shown only this once.
type CreatedKeyResponse struct {
	Key    KeyResponse `json:"key"`
	Secret string      `json:"secret"`
}

func keyResponse(k vigil.Key) KeyResponse {
	return KeyResponse{ID: k.ID, Name: k.Name, Role: k.Role, Created: k.Created, Revoked: k.Revoked}
}

// keyStore returns the key store, or writes why there is none. Key
// management also needs a request authenticated by a key: never an open
// server's anonymous one.
func (s *Server) keyStore(w http.ResponseWriter, r *http.Request) vigil.KeyStore {
	switch {
	case s.opts.Keys == nil:
		writeError(w, http.StatusNotImplemented, "this server has no key store")
		return nil
	case keyFrom(r.Context()) == nil:
		writeError(w, http.StatusForbidden, "managing keys needs an admin API key; create the first one with: vigil keys create --role admin --name NAME")
		return nil
	}
	return s.opts.Keys
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	ks := s.keyStore(w, r)
	if ks == nil {
		return
	}
	keys, err := ks.ListKeys(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := KeysResponse{Keys: make([]KeyResponse, len(keys))}
	for i, k := range keys {
		out.Keys[i] = keyResponse(k)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request) {
	ks := s.keyStore(w, r)
	if ks == nil {
		return
	}
	var req CreateKeyRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	role, ok := ParseRole(req.Role)
	switch {
	case req.Name == "":
		s.writeErr(w, r, badRequest("field \"name\" is required: say who or what the key is for"))
		return
	case len(req.Name) > 200:
		s.writeErr(w, r, badRequest("field \"name\" is longer than 200 bytes"))
		return
	case !ok:
		s.writeErr(w, r, badRequest("field \"role\" must be screen, review or admin, not %q", req.Role))
		return
	}
	// The store audits the change in its own transaction, for the actor
	// wrap put in the context (key:<id of the admin key>).
	k, secret, err := ks.CreateKey(r.Context(), req.Name, role.String())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.ForgetKeys()
	by := keyFrom(r.Context())
	s.log.Info("API key created", "key_id", k.ID, "role", k.Role, "by", by.ID)
	writeJSON(w, http.StatusCreated, CreatedKeyResponse{Key: keyResponse(k), Secret: secret})
}

// handleRevokeKey revokes a key and ends its console sessions, audited by
// the store in the same transaction (as handleCreateKey). The cache
// of this server forgets every key at once, so that the key is refused from
// the next request on.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	ks := s.keyStore(w, r)
	if ks == nil {
		return
	}
	id := r.PathValue("id")
	k, err := ks.RevokeKey(r.Context(), id)
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		writeError(w, http.StatusNotFound, "no API key has the id %q", id)
		return
	case errors.Is(err, vigil.ErrRevoked):
		writeError(w, http.StatusConflict, "the API key %s was already revoked on %s", id, k.Revoked.UTC().Format(time.RFC3339))
		return
	case err != nil:
		s.writeErr(w, r, err)
		return
	}
	s.ForgetKeys()
	by := keyFrom(r.Context())
	s.log.Info("API key revoked", "key_id", k.ID, "by", by.ID)
	writeJSON(w, http.StatusOK, map[string]KeyResponse{"key": keyResponse(k)})
}
