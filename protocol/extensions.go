package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// Extension is one element of a Sec-WebSocket-Extensions list: an
// extension's name and its parameters, in the order given.
//
// RFC 6455 §9.1:
//
//	Sec-WebSocket-Extensions = extension-list
//	extension-list = 1#extension
//	extension = extension-token *( ";" extension-param )
//	extension-token = registered-token
//	registered-token = token
//	extension-param = token [ "=" (token | quoted-string) ]
//	    ;When using the quoted-string syntax variant, the value
//	    ;after quoted-string unescaping MUST conform to the
//	    ;'token' ABNF.
type Extension struct {
	Name   string
	Params []ExtensionParam
}

// ExtensionParam is an extension's parameter. Value is unquoted; HasValue
// tells "p" from "p=" followed by a value.
type ExtensionParam struct {
	Name     string
	Value    string
	HasValue bool
}

// String returns e in wire form, e.g. "permessage-deflate;
// client_max_window_bits=10". Values are written as tokens: a parsed
// value always is one.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// ParseExtensions parses the values of Sec-WebSocket-Extensions header
// lines (a list may span several lines, RFC 9110 §5.3) into their
// elements, in order. An element that breaks the grammar is left out and
// the parse goes on after the next comma outside quotes; err describes
// the first such element. Empty elements (", ,") are skipped, as RFC 9110
// §5.6.1 asks of a recipient.
//
// A server uses what could be parsed and declines what could not; a
// client validating a server's answer should fail on any error.
func ParseExtensions(values []string) (exts []Extension, err error) {
	for _, v := range values {
		s := extScanner{s: v}
		for {
			s.skipSpace()
			if s.eof() {
				break
			}
			if s.peek() == ',' {
				s.i++
				continue
			}
			e, perr := s.element()
			if perr != nil {
				if err == nil {
					err = perr
				}
				s.skipElement()
				continue
			}
			exts = append(exts, e)
		}
	}
	return exts, err
}

// extScanner reads one header line of an extension list.
type extScanner struct {
	s string
	i int
}

func (s *extScanner) eof() bool  { return s.i >= len(s.s) }
func (s *extScanner) peek() byte { return s.s[s.i] }

// skipSpace skips optional whitespace (OWS: spaces and tabs).
func (s *extScanner) skipSpace() {
	for !s.eof() && (s.peek() == ' ' || s.peek() == '\t') {
		s.i++
	}
}

// token reads an HTTP token (RFC 9110 §5.6.2).
func (s *extScanner) token() string {
	start := s.i
	for !s.eof() && isTokenChar(s.peek()) {
		s.i++
	}
	return s.s[start:s.i]
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7F && strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) < 0
}

// quoted reads a quoted-string (RFC 9110 §5.6.4), the opening quote being
// next, and returns it unescaped.
func (s *extScanner) quoted() (string, error) {
	s.i++ // the opening quote
	var b strings.Builder
	var bad error // a control character: reported once the string is closed
	for !s.eof() {
		c := s.peek()
		s.i++
		switch {
		case c == '"':
			return b.String(), bad
		case c == '\\':
			if s.eof() {
				return "", errors.New("quoted string ends in a backslash")
			}
			b.WriteByte(s.peek())
			s.i++
		case c == '\t' || c >= ' ' && c != 0x7F:
			b.WriteByte(c)
		case bad == nil:
			bad = fmt.Errorf("control character 0x%02x in a quoted string", c)
		}
	}
	return "", errors.New("quoted string is not closed")
}

// element reads one extension: its name and parameters, up to the comma
// that ends it or the end of the line.
func (s *extScanner) element() (Extension, error) {
	var e Extension
	if e.Name = s.token(); e.Name == "" {
		return e, s.errorf("expected an extension name")
	}
	for {
		s.skipSpace()
		if s.eof() || s.peek() == ',' {
			return e, nil
		}
		if s.peek() != ';' {
			return e, s.errorf("expected ';' or ',' after %q", e.Name)
		}
		s.i++
		s.skipSpace()
		var p ExtensionParam
		if p.Name = s.token(); p.Name == "" {
			return e, s.errorf("expected a parameter name in %q", e.Name)
		}
		s.skipSpace()
		if !s.eof() && s.peek() == '=' {
			s.i++
			s.skipSpace()
			p.HasValue = true
			if !s.eof() && s.peek() == '"' {
				v, err := s.quoted()
				if err != nil {
					return e, s.errorf("parameter %q of %q: %v", p.Name, e.Name, err)
				}
				// §9.1: the unescaped value "MUST conform to the 'token'
				// ABNF".
				if !isToken(v) {
					return e, s.errorf("parameter %q of %q: quoted value %q is not a token", p.Name, e.Name, v)
				}
				p.Value = v
			} else if p.Value = s.token(); p.Value == "" {
				return e, s.errorf("parameter %q of %q: expected a value after '='", p.Name, e.Name)
			}
		}
		e.Params = append(e.Params, p)
	}
}

// skipElement skips to just after the next comma outside a quoted string,
// or to the end of the line.
func (s *extScanner) skipElement() {
	quoted := false
	for !s.eof() {
		c := s.peek()
		s.i++
		switch {
		case quoted && c == '\\':
			if !s.eof() {
				s.i++
			}
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return
		}
	}
}

func (s *extScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("Sec-WebSocket-Extensions %.80q, at byte %d: %s", s.s, s.i, fmt.Sprintf(format, args...))
}
