package protocol

import (
	"fmt"
	"strconv"
)

// DeflateName is the extension token of permessage-deflate (RFC 7692 §7).
const DeflateName = "permessage-deflate"

// DeflateParams are the parameters of a permessage-deflate offer or
// answer (RFC 7692 §7.1). A zero window size means the parameter is
// absent.
type DeflateParams struct {
	// ServerNoContextTakeover: the server compresses each message on its
	// own, so the client keeps no window between messages (§7.1.1.1).
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: the same for the client's messages
	// (§7.1.1.2).
	ClientNoContextTakeover bool
	// ServerMaxWindowBits limits the LZ77 window the server compresses
	// with to 2^n bytes, 8 ≤ n ≤ 15 (§7.1.2.1).
	ServerMaxWindowBits int
	// ClientMaxWindowBits limits the client's window likewise (§7.1.2.2).
	ClientMaxWindowBits int
	// ClientMaxWindowBitsBare: an offer's client_max_window_bits without
	// a value, saying only that the client supports the parameter.
	ClientMaxWindowBitsBare bool
}

// The parameter names of RFC 7692 §7.1.
const (
	paramServerNoContext = "server_no_context_takeover"
	paramClientNoContext = "client_no_context_takeover"
	paramServerMaxWindow = "server_max_window_bits"
	paramClientMaxWindow = "client_max_window_bits"
)

// ParseDeflateParams reads the parameters of a permessage-deflate offer
// (offer true) or answer. It fails, as RFC 7692 §7.1 asks, on an unknown
// parameter, a parameter given twice, a value where none is allowed, a
// missing value, or a window size that is not a decimal integer from 8
// to 15 without leading zeros. Only an offer may carry
// client_max_window_bits without a value (§7.1.2.2).
func ParseDeflateParams(e Extension, offer bool) (DeflateParams, error) {
	var p DeflateParams
	if e.Name != DeflateName {
		return p, fmt.Errorf("extension %q is not %s", e.Name, DeflateName)
	}
	seen := map[string]bool{}
	for _, q := range e.Params {
		// §7: "A server MUST decline an extension negotiation offer for
		// this extension if ... The negotiation offer contains an
		// extension parameter not defined for use in an offer ... [or]
		// multiple extension parameters with the same name ... [or] an
		// extension parameter with an invalid value."
		if seen[q.Name] {
			return p, fmt.Errorf("%s: parameter %s is given twice", DeflateName, q.Name)
		}
		seen[q.Name] = true
		switch q.Name {
		case paramServerNoContext, paramClientNoContext:
			// §7.1.1.1, §7.1.1.2: "This extension parameter has no value."
			if q.HasValue {
				return p, fmt.Errorf("%s: %s takes no value, got %q", DeflateName, q.Name, q.Value)
			}
			if q.Name == paramServerNoContext {
				p.ServerNoContextTakeover = true
			} else {
				p.ClientNoContextTakeover = true
			}
		case paramServerMaxWindow:
			n, err := windowBits(q)
			if err != nil {
				return p, err
			}
			p.ServerMaxWindowBits = n
		case paramClientMaxWindow:
			// §7.1.2.2: in an offer "This parameter has no value or a
			// decimal integer value"; in an answer it "MUST have a value".
			if !q.HasValue && offer {
				p.ClientMaxWindowBitsBare = true
				continue
			}
			n, err := windowBits(q)
			if err != nil {
				return p, err
			}
			p.ClientMaxWindowBits = n
		default:
			return p, fmt.Errorf("%s: unknown parameter %q", DeflateName, q.Name)
		}
	}
	return p, nil
}

// windowBits reads a *_max_window_bits value: §7.1.2.1 "a decimal integer
// value without leading zeroes between 8 to 15, inclusive".
func windowBits(q ExtensionParam) (int, error) {
	if !q.HasValue {
		return 0, fmt.Errorf("%s: %s needs a value", DeflateName, q.Name)
	}
	n, err := strconv.Atoi(q.Value)
	if err != nil || n < 8 || n > 15 || q.Value[0] < '1' || q.Value[0] > '9' {
		return 0, fmt.Errorf("%s: %s=%q is not an integer from 8 to 15", DeflateName, q.Name, q.Value)
	}
	return n, nil
}

// Extension returns p in wire form, parameters in the RFC's order.
func (p DeflateParams) Extension() Extension {
	e := Extension{Name: DeflateName}
	flag := func(on bool, name string) {
		if on {
			e.Params = append(e.Params, ExtensionParam{Name: name})
		}
	}
	bits := func(n int, name string) {
		if n != 0 {
			e.Params = append(e.Params, ExtensionParam{Name: name, Value: strconv.Itoa(n), HasValue: true})
		}
	}
	flag(p.ServerNoContextTakeover, paramServerNoContext)
	flag(p.ClientNoContextTakeover, paramClientNoContext)
	bits(p.ServerMaxWindowBits, paramServerMaxWindow)
	bits(p.ClientMaxWindowBits, paramClientMaxWindow)
	flag(p.ClientMaxWindowBitsBare && p.ClientMaxWindowBits == 0, paramClientMaxWindow)
	return e
}

// String returns p as a Sec-WebSocket-Extensions element.
func (p DeflateParams) String() string { return p.Extension().String() }

// DeflateOptions turns permessage-deflate on and configures it, in
// AcceptOptions (the server accepts an offer) and DialOptions (the client
// makes one). The zero value compresses every message at
// flate.BestSpeed and keeps the context both ways when the peer agrees.
//
// Memory: compress/flate's compressor takes about 1.2 MB and its
// decompressor about 40 KB. A side that compresses each message on its
// own takes a compressor from a pool for the message and gives it back
// after; one that keeps the context keeps its compressor for the life of
// the connection, from its first compressed message on. A side whose peer
// keeps the context keeps the last 32 KiB it inflated (the window), and
// its decompressor is pooled between messages either way.
type DeflateOptions struct {
	// Level is the compress/flate level, 1 to 9; 0 means flate.BestSpeed.
	Level int
	// Threshold: messages shorter than this many bytes go out
	// uncompressed, which RFC 7692 §6 allows ("An endpoint MAY send
	// non-compressed messages"); 0 compresses every message.
	Threshold int
	// NoContextTakeover makes this side compress each message on its own
	// and say so (server_no_context_takeover from a server,
	// client_no_context_takeover from a client), so that the peer keeps
	// no window for it and this side keeps no compressor between messages.
	// A server needs it for a Prepared message to be compressed once for
	// all its connections.
	NoContextTakeover bool
	// PeerNoContextTakeover asks the peer to compress each message on its
	// own, so that this side keeps no window between messages. A server
	// requires it of the client; a client requests it, and the server may
	// decline.
	PeerNoContextTakeover bool
}

// deflateConfig is what a connection compresses and inflates with, once
// negotiated.
type deflateConfig struct {
	level     int
	threshold int
	// sendTakeover: the compressor keeps its context across messages.
	sendTakeover bool
	// sendMax, when not 0, is the largest message compressed: the peer
	// asked for a window of sendMax bytes, which compress/flate cannot
	// limit, so messages are compressed each on its own and only when no
	// back-reference can reach further than the window.
	sendMax int
	// recvTakeover: the peer keeps its context, so the inflater keeps the
	// window across messages.
	recvTakeover bool
}

// acceptDeflate chooses what a server answers to the client's extension
// offers: the first usable permessage-deflate offer (RFC 7692 §5: "A
// server MUST NOT accept more than one" and picks among offers in order),
// or none. It returns the answer and the connection's configuration.
func acceptDeflate(offers []Extension, opts *DeflateOptions) (DeflateParams, *deflateConfig, bool) {
	for _, e := range offers {
		if e.Name != DeflateName {
			continue
		}
		offer, err := ParseDeflateParams(e, true)
		if err != nil {
			continue // §7: declined; try the next offer
		}
		var ans DeflateParams
		cfg := opts.config()
		// §7.1.1.1: the server MUST answer server_no_context_takeover when
		// offered, and MAY add it anyway.
		ans.ServerNoContextTakeover = offer.ServerNoContextTakeover || opts.NoContextTakeover
		if n := offer.ServerMaxWindowBits; n != 0 {
			// §7.1.2.1: accepting means answering the same or a smaller
			// value. compress/flate always writes with a 32 KiB window;
			// we honour a smaller one for real by compressing each
			// message on its own and only those no longer than 2^n
			// bytes, whose back-references cannot reach further.
			ans.ServerMaxWindowBits = n
			ans.ServerNoContextTakeover = true
			if n < 15 {
				cfg.sendMax = 1 << n
			}
		}
		// §7.1.1.2: the server MAY answer client_no_context_takeover
		// whatever the offer; a client that offered it said it would not
		// use the context anyway.
		ans.ClientNoContextTakeover = offer.ClientNoContextTakeover || opts.PeerNoContextTakeover
		// §7.1.2.2: client_max_window_bits in an offer lets the server
		// answer a smaller window for the client; ours inflates with any
		// window up to 15, so the parameter is not answered, which leaves
		// the client its own choice (at most its offered value).
		cfg.sendTakeover = !ans.ServerNoContextTakeover
		cfg.recvTakeover = !ans.ClientNoContextTakeover
		return ans, cfg, true
	}
	return DeflateParams{}, nil, false
}

// config returns the settings that do not depend on negotiation.
func (o *DeflateOptions) config() *deflateConfig {
	return &deflateConfig{level: o.Level, threshold: o.Threshold}
}

// dialOffer is the permessage-deflate offer Dial makes for opts. It
// always offers client_max_window_bits without a value: the server may
// then ask for a smaller window, which is honoured.
func dialOffer(opts *DeflateOptions) DeflateParams {
	return DeflateParams{
		ServerNoContextTakeover: opts.PeerNoContextTakeover,
		ClientNoContextTakeover: opts.NoContextTakeover,
		ClientMaxWindowBitsBare: true,
	}
}

// checkDeflateAnswer validates the server's Sec-WebSocket-Extensions
// against the client's offer (RFC 6455 §4.1: an extension "not present
// in the client's handshake" fails the connection; RFC 7692 §7.1: so
// does an answer the offer does not allow). It returns nil, nil when the
// server declined.
func checkDeflateAnswer(values []string, offer DeflateParams, opts *DeflateOptions) (*DeflateParams, *deflateConfig, error) {
	exts, err := ParseExtensions(values)
	if err != nil {
		return nil, nil, err
	}
	if len(exts) == 0 {
		return nil, nil, nil
	}
	if len(exts) > 1 {
		return nil, nil, fmt.Errorf("the server chose %d extensions, but only %s was offered", len(exts), DeflateName)
	}
	if exts[0].Name != DeflateName {
		return nil, nil, fmt.Errorf("the server chose extension %q, which was not offered", exts[0].Name)
	}
	ans, err := ParseDeflateParams(exts[0], false)
	if err != nil {
		return nil, nil, err
	}
	if offer.ServerMaxWindowBits != 0 && (ans.ServerMaxWindowBits == 0 || ans.ServerMaxWindowBits > offer.ServerMaxWindowBits) {
		return nil, nil, fmt.Errorf("the server answered %s=%d to an offer of %d", paramServerMaxWindow, ans.ServerMaxWindowBits, offer.ServerMaxWindowBits)
	}
	if offer.ServerNoContextTakeover && !ans.ServerNoContextTakeover {
		return nil, nil, fmt.Errorf("the server did not answer the %s it was offered", paramServerNoContext)
	}
	if ans.ClientMaxWindowBits != 0 {
		if !offer.ClientMaxWindowBitsBare && offer.ClientMaxWindowBits == 0 {
			return nil, nil, fmt.Errorf("the server answered %s, which was not offered", paramClientMaxWindow)
		}
		if offer.ClientMaxWindowBits != 0 && ans.ClientMaxWindowBits > offer.ClientMaxWindowBits {
			return nil, nil, fmt.Errorf("the server answered %s=%d to an offer of %d", paramClientMaxWindow, ans.ClientMaxWindowBits, offer.ClientMaxWindowBits)
		}
	}
	cfg := opts.config()
	cfg.sendTakeover = !ans.ClientNoContextTakeover && !opts.NoContextTakeover
	if n := ans.ClientMaxWindowBits; n != 0 && n < 15 {
		cfg.sendTakeover = false
		cfg.sendMax = 1 << n
	}
	cfg.recvTakeover = !ans.ServerNoContextTakeover
	return &ans, cfg, nil
}
