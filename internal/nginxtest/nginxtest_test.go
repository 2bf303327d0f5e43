package nginxtest

import (
	"io"
	"net"
	"net/http"
	"testing"
)

// Start writes Files where {{dir}} points, runs nginx with the test's
// http block and returns once it listens: the file is served at once.
func TestStartServesFromItsFolder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := ln.Addr().String()
	ln.Close()
	Find(t).Start(t, Config{
		HTTP:   "\tserver {\n\t\tlisten " + front + ";\n\t\troot {{dir}};\n\t}\n",
		Files:  map[string][]byte{"hello.txt": []byte("hello from nginx")},
		Listen: []string{front},
	})
	resp, err := http.Get("http://" + front + "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "hello from nginx" {
		t.Fatalf("GET /hello.txt: %s %q", resp.Status, b)
	}
}
