package protocol

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseExtensions(t *testing.T) {
	ext := func(name string, params ...ExtensionParam) Extension { return Extension{Name: name, Params: params} }
	flag := func(name string) ExtensionParam { return ExtensionParam{Name: name} }
	val := func(name, v string) ExtensionParam { return ExtensionParam{Name: name, Value: v, HasValue: true} }
	tests := []struct {
		name    string
		values  []string
		want    []Extension
		wantErr bool
	}{
		{"Chromium's offer", []string{"permessage-deflate; client_max_window_bits"},
			[]Extension{ext("permessage-deflate", flag("client_max_window_bits"))}, false},
		{"several offers on one line", []string{"permessage-deflate; server_max_window_bits=10, permessage-deflate"},
			[]Extension{ext("permessage-deflate", val("server_max_window_bits", "10")), ext("permessage-deflate")}, false},
		{"several lines", []string{"foo", "permessage-deflate;client_no_context_takeover"},
			[]Extension{ext("foo"), ext("permessage-deflate", flag("client_no_context_takeover"))}, false},
		{"quoted value is unquoted", []string{`permessage-deflate; server_max_window_bits="10"`},
			[]Extension{ext("permessage-deflate", val("server_max_window_bits", "10"))}, false},
		{"escaped quoted value", []string{`x; p="a\bc"`}, []Extension{ext("x", val("p", "abc"))}, false},
		{"spaces and tabs around separators", []string{"a \t;\t p = 1 ;q , b"},
			[]Extension{ext("a", val("p", "1"), flag("q")), ext("b")}, false},
		{"empty elements skipped", []string{" , a,, ,b ,"}, []Extension{ext("a"), ext("b")}, false},
		{"empty header", []string{""}, nil, false},
		{"quoted value that is not a token drops the element", []string{`a; p="1 2", b`}, []Extension{ext("b")}, true},
		{"comma inside quotes does not split", []string{`a; p="x,y", b`}, []Extension{ext("b")}, true},
		{"unclosed quote drops the rest of the line", []string{`a; p="x, b`, "c"}, []Extension{ext("c")}, true},
		{"missing value after =", []string{"a; p=, b"}, []Extension{ext("b")}, true},
		{"missing parameter name", []string{"a; =1, b"}, []Extension{ext("b")}, true},
		{"missing extension name", []string{"; p, b"}, []Extension{ext("b")}, true},
		{"junk after a parameter", []string{"a; p q, b"}, []Extension{ext("b")}, true},
		{"control character in quotes", []string{"a; p=\"\x01\", b"}, []Extension{ext("b")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExtensions(tt.values)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestExtensionStringRoundTrips(t *testing.T) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; client_max_window_bits",
		"permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
	} {
		exts, err := ParseExtensions([]string{s})
		if err != nil || len(exts) != 1 {
			t.Fatalf("ParseExtensions(%q) = %v, %v", s, exts, err)
		}
		if got := exts[0].String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
	}
}

// TestAcceptDeflate is the server's side of RFC 7692 §5 and §7.1: which
// offer it takes and what it answers, or that it goes on without.
func TestAcceptDeflate(t *testing.T) {
	defaults := &DeflateOptions{}
	tests := []struct {
		name   string
		offer  string
		opts   *DeflateOptions
		answer string // "" when every offer is declined
		send   deflateConfig
	}{
		// Usable offers.
		{"RFC7692 bare offer, context kept both ways", "permessage-deflate", defaults,
			"permessage-deflate", deflateConfig{sendTakeover: true, recvTakeover: true}},
		{"browser offer: client_max_window_bits without value is not answered", "permessage-deflate; client_max_window_bits", defaults,
			"permessage-deflate", deflateConfig{sendTakeover: true, recvTakeover: true}},
		{"RFC7692 7.1.1.1 server_no_context_takeover is answered", "permessage-deflate; server_no_context_takeover", defaults,
			"permessage-deflate; server_no_context_takeover", deflateConfig{recvTakeover: true}},
		{"RFC7692 7.1.1.2 client_no_context_takeover offered is echoed", "permessage-deflate; client_no_context_takeover", defaults,
			"permessage-deflate; client_no_context_takeover", deflateConfig{sendTakeover: true}},
		{"server adds server_no_context_takeover of its own", "permessage-deflate", &DeflateOptions{NoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover", deflateConfig{recvTakeover: true}},
		{"server requires client_no_context_takeover", "permessage-deflate", &DeflateOptions{PeerNoContextTakeover: true},
			"permessage-deflate; client_no_context_takeover", deflateConfig{sendTakeover: true}},
		{"RFC7692 7.1.2.1 server_max_window_bits=15 answered as is", "permessage-deflate; server_max_window_bits=15", defaults,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=15", deflateConfig{recvTakeover: true}},
		{"server_max_window_bits=10 honoured: only messages up to 1 KiB compressed", "permessage-deflate; server_max_window_bits=10", defaults,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=10", deflateConfig{sendMax: 1024, recvTakeover: true}},
		{"server_max_window_bits=8, the smallest", "permessage-deflate; server_max_window_bits=8", defaults,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=8", deflateConfig{sendMax: 256, recvTakeover: true}},
		{"quoted window size", `permessage-deflate; server_max_window_bits="12"`, defaults,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=12", deflateConfig{sendMax: 4096, recvTakeover: true}},
		{"client_max_window_bits=9 leaves our inflater as is", "permessage-deflate; client_max_window_bits=9", defaults,
			"permessage-deflate", deflateConfig{sendTakeover: true, recvTakeover: true}},
		{"all four parameters", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=15", defaults,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15", deflateConfig{}},
		{"other extensions before it are skipped", "x-webkit-deflate-frame, permessage-deflate", defaults,
			"permessage-deflate", deflateConfig{sendTakeover: true, recvTakeover: true}},
		{"RFC7692 5: the first usable offer wins", "permessage-deflate; client_no_context_takeover, permessage-deflate", defaults,
			"permessage-deflate; client_no_context_takeover", deflateConfig{sendTakeover: true}},
		{"an unusable offer falls back to the next", "permessage-deflate; server_max_window_bits=7, permessage-deflate; server_no_context_takeover", defaults,
			"permessage-deflate; server_no_context_takeover", deflateConfig{recvTakeover: true}},
		{"a malformed element falls back to the next", `permessage-deflate; x="a b", permessage-deflate`, defaults,
			"permessage-deflate", deflateConfig{sendTakeover: true, recvTakeover: true}},
		{"parameter names are case-sensitive tokens: unknown", "permessage-deflate; Server_No_Context_Takeover", defaults, "", deflateConfig{}},
		// Declined offers.
		{"RFC7692 7 unknown parameter", "permessage-deflate; foo", defaults, "", deflateConfig{}},
		{"RFC7692 7 duplicated parameter", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", defaults, "", deflateConfig{}},
		{"RFC7692 7 duplicated window size", "permessage-deflate; client_max_window_bits; client_max_window_bits=10", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.1.1 no_context_takeover with a value", "permessage-deflate; server_no_context_takeover=1", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.1.2 client_no_context_takeover with a value", `permessage-deflate; client_no_context_takeover="x"`, defaults, "", deflateConfig{}},
		{"RFC7692 7.1.2.1 server_max_window_bits without value", "permessage-deflate; server_max_window_bits", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.2.1 window size 7 out of range", "permessage-deflate; server_max_window_bits=7", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.2.1 window size 16 out of range", "permessage-deflate; server_max_window_bits=16", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.2.1 leading zero", "permessage-deflate; server_max_window_bits=010", defaults, "", deflateConfig{}},
		{"RFC7692 7.1.2.2 client window 16 out of range", "permessage-deflate; client_max_window_bits=16", defaults, "", deflateConfig{}},
		{"window size not a number", "permessage-deflate; client_max_window_bits=ten", defaults, "", deflateConfig{}},
		{"window size with a sign", "permessage-deflate; client_max_window_bits=+9", defaults, "", deflateConfig{}},
		{"another extension only", "x-webkit-deflate-frame", defaults, "", deflateConfig{}},
		{"extension names are case-sensitive", "Permessage-Deflate", defaults, "", deflateConfig{}},
		{"no offer", "", defaults, "", deflateConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offers, _ := ParseExtensions([]string{tt.offer})
			ans, cfg, ok := acceptDeflate(offers, tt.opts)
			if tt.answer == "" {
				if ok {
					t.Fatalf("accepted with %q; want the offer declined", ans)
				}
				return
			}
			if !ok {
				t.Fatalf("declined; want %q", tt.answer)
			}
			if got := ans.String(); got != tt.answer {
				t.Errorf("answer %q, want %q", got, tt.answer)
			}
			got := *cfg
			got.level, got.threshold = 0, 0
			if got != tt.send {
				t.Errorf("config %+v, want %+v", got, tt.send)
			}
			// The answer must pass a client's checks of it.
			vals := []string{ans.String()}
			offer, err := ParseDeflateParams(offers[indexDeflate(offers)], true)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := checkDeflateAnswer(vals, offer, &DeflateOptions{}); err != nil {
				t.Errorf("a client rejects the answer: %v", err)
			}
		})
	}
}

// indexDeflate finds the offer acceptDeflate took: the first that parses.
func indexDeflate(offers []Extension) int {
	for i, e := range offers {
		if _, err := ParseDeflateParams(e, true); err == nil {
			return i
		}
	}
	return -1
}

// TestCheckDeflateAnswer is the client's side: Dial fails on an answer
// its offer does not allow (RFC 6455 §4.1, RFC 7692 §7.1).
func TestCheckDeflateAnswer(t *testing.T) {
	bare := dialOffer(&DeflateOptions{})
	tests := []struct {
		name    string
		offer   DeflateParams
		answer  []string
		wantErr string // "" when valid
		send    deflateConfig
		none    bool // the server declined
	}{
		{"declined", bare, nil, "", deflateConfig{}, true},
		{"plain acceptance", bare, []string{"permessage-deflate"}, "", deflateConfig{sendTakeover: true, recvTakeover: true}, false},
		{"server_no_context_takeover unasked is allowed", bare, []string{"permessage-deflate; server_no_context_takeover"}, "", deflateConfig{sendTakeover: true}, false},
		{"client_no_context_takeover unasked is obeyed", bare, []string{"permessage-deflate; client_no_context_takeover"}, "", deflateConfig{recvTakeover: true}, false},
		{"client_max_window_bits=10 answered to the bare offer: honoured", bare, []string{"permessage-deflate; client_max_window_bits=10"}, "", deflateConfig{sendMax: 1024, recvTakeover: true}, false},
		{"server_max_window_bits unasked is allowed", bare, []string{"permessage-deflate; server_max_window_bits=9"}, "", deflateConfig{sendTakeover: true, recvTakeover: true}, false},
		{"an extension not offered", bare, []string{"x-foo"}, "not offered", deflateConfig{}, false},
		{"two extensions", bare, []string{"permessage-deflate, permessage-deflate"}, "2 extensions", deflateConfig{}, false},
		{"unknown parameter", bare, []string{"permessage-deflate; foo=1"}, "unknown parameter", deflateConfig{}, false},
		{"client_max_window_bits without a value in an answer", bare, []string{"permessage-deflate; client_max_window_bits"}, "needs a value", deflateConfig{}, false},
		{"client_max_window_bits not offered", DeflateParams{}, []string{"permessage-deflate; client_max_window_bits=15"}, "not offered", deflateConfig{}, false},
		{"server_no_context_takeover asked and not answered", DeflateParams{ServerNoContextTakeover: true}, []string{"permessage-deflate"}, "did not answer", deflateConfig{}, false},
		{"server window larger than offered", DeflateParams{ServerMaxWindowBits: 10}, []string{"permessage-deflate; server_max_window_bits=11"}, "offer of 10", deflateConfig{}, false},
		{"malformed answer", bare, []string{"permessage-deflate; ="}, "parameter name", deflateConfig{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, cfg, err := checkDeflateAnswer(tt.answer, tt.offer, &DeflateOptions{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.none {
				if ans != nil || cfg != nil {
					t.Fatalf("got %v, %+v; want nothing negotiated", ans, cfg)
				}
				return
			}
			got := *cfg
			got.level, got.threshold = 0, 0
			if got != tt.send {
				t.Errorf("config %+v, want %+v", got, tt.send)
			}
		})
	}
}

func TestDialOfferText(t *testing.T) {
	for _, tt := range []struct {
		opts DeflateOptions
		want string
	}{
		{DeflateOptions{}, "permessage-deflate; client_max_window_bits"},
		{DeflateOptions{NoContextTakeover: true, PeerNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits"},
	} {
		if got := dialOffer(&tt.opts).String(); got != tt.want {
			t.Errorf("offer %q, want %q", got, tt.want)
		}
	}
}
