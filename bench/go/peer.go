package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// httpPeer is what a Go user would write instead of the binding: a
// click2Call signed by hand with crypto/hmac (a fresh nonce, Created in
// UTC) and sent through net/http with one shared http.Client (keep-alive).
// Nothing of libvoicecb is used.
type httpPeer struct {
	client      *http.Client
	url         string
	key, secret string
}

func newHTTPPeer() *httpPeer {
	return &httpPeer{
		client: &http.Client{Timeout: 30 * time.Second},
		url:    env("VOICECB_BASE_URL", "http://127.0.0.1:8080") + "/rest/httpsessions/click2Call/v2.0",
		key:    env("VOICECB_APP_KEY", "sandbox-app-key"),
		secret: env("VOICECB_APP_SECRET", "sandbox-app-secret"),
	}
}

type peerBody struct {
	DisplayNbr       string `json:"displayNbr"`
	CallerNbr        string `json:"callerNbr"`
	DisplayCalleeNbr string `json:"displayCalleeNbr"`
	CalleeNbr        string `json:"calleeNbr"`
}

type peerAnswer struct {
	ResultCode string `json:"resultcode"`
	ResultDesc string `json:"resultdesc"`
	SessionID  string `json:"sessionId"`
}

// call places one click2Call; an error unless the answer is a 200 with
// resultcode "0", as the binding checks.
func (p *httpPeer) call() (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	nonce := hex.EncodeToString(raw)
	created := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	mac := hmac.New(sha256.New, []byte(p.secret))
	mac.Write([]byte(nonce + created))
	digest := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	body, err := json.Marshal(peerBody{displayNbr, callerNbr, displayNbr, calleeNbr})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Authorization", `AKSK realm="SDP",profile="UsernameToken",type="Appkey"`)
	req.Header.Set("X-AKSK", fmt.Sprintf(`UsernameToken Username="%s",PasswordDigest="%s",Nonce="%s",Created="%s"`,
		p.key, digest, nonce, created))
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var a peerAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return "", fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || a.ResultCode != "0" {
		return "", fmt.Errorf("refused: HTTP %d, resultcode %q", resp.StatusCode, a.ResultCode)
	}
	return a.SessionID, nil
}

// calls places n click2Calls; a failed one ends the run (a peer that errs
// is not measured).
func (p *httpPeer) calls(n int) int {
	for i := 0; i < n; i++ {
		if _, err := p.call(); err != nil {
			fmt.Fprintln(os.Stderr, "net/http peer:", err)
			os.Exit(1)
		}
	}
	return 0
}
