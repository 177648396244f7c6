// goclient.go - a Go client for supervisor mode's tests: Go's runtime makes
// its socket calls as raw system calls, which no preloaded library sees.
// Every wait bounded (3 s).
//
//	goclient http HOST               TCP to port 80, GET, print the body
//	goclient udp-connect HOST        connected UDP to port 9, print the reply
//	goclient udp-sendto HOST         unconnected UDP (WriteTo), print the reply
//	goclient udp-dual HOST           the same from Go's dual-stack socket
//	                                 (AF_INET6; to IPv4 as v4-mapped)
//	goclient http-bound HOST IFACE   http from a socket the program binds to
//	                                 IFACE itself (SO_BINDTODEVICE)
//	goclient http-twice HOST GOFILE  http, wait for GOFILE (<= 10 s), http
//	goclient http-parallel HOST N    N goroutines at once (Go spreads them
//	                                 over its threads), each an http; prints
//	                                 each distinct answer with its count
//	goclient lookup NAME             NAME's IPv4 addresses by Go's own
//	                                 resolver (resolv.conf's servers), sorted
//	goclient lookup-tcp NAME         the same over TCP only
//
// Numeric addresses only, but for lookup. Prints "error: ..." and exits 1
// on failure.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func hostport(host, port string) string { return net.JoinHostPort(host, port) }

func httpGet(host string) (string, error) {
	return httpVia(host, "")
}

// httpVia: with iface, the socket is bound to it before its connect.
func httpVia(host, iface string) (string, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	if iface != "" {
		d.Control = func(network, address string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptString(int(fd),
					syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, iface)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	c, err := d.Dial("tcp", hostport(host, "80"))
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\nHost: lab\r\n\r\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return "", err
	}
	s := string(b)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[i+4:]
	}
	return strings.TrimSpace(s), nil
}

func udpConnect(host string) (string, error) {
	c, err := net.DialTimeout("udp", hostport(host, "9"), 3*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("hi")); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

func udpSendto(host string, dual bool) (string, error) {
	network := "udp4"
	if strings.Contains(host, ":") {
		network = "udp6"
	}
	listen := network
	if dual {
		listen = "udp"
	}
	c, err := net.ListenPacket(listen, "")
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	to, err := net.ResolveUDPAddr(network, hostport(host, "9"))
	if err != nil {
		return "", err
	}
	if _, err := c.WriteTo([]byte("hi"), to); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

func httpParallel(host string, n int) (string, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := httpGet(host)
			if err != nil {
				out = "error: " + err.Error()
			}
			mu.Lock()
			seen[out]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	var lines []string
	for k, v := range seen {
		lines = append(lines, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), nil
}

func waitFile(path string) error {
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no go file")
}

// lookup: Go's resolver, not the C library's, even in a cgo build; over
// TCP only, its Dial given "tcp" whatever it asks for.
func lookup(name string, tcp bool) (string, error) {
	r := net.Resolver{PreferGo: true}
	if tcp {
		r.Dial = func(ctx context.Context, _, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ips, err := r.LookupIP(ctx, "ip4", name)
	if err != nil {
		return "", err
	}
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	sort.Strings(out)
	return strings.Join(out, ","), nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: goclient http|udp-connect|udp-sendto HOST | http-twice HOST GOFILE")
		os.Exit(2)
	}
	var out string
	var err error
	switch host := os.Args[2]; os.Args[1] {
	case "http":
		out, err = httpGet(host)
	case "udp-connect":
		out, err = udpConnect(host)
	case "udp-sendto":
		out, err = udpSendto(host, false)
	case "udp-dual":
		out, err = udpSendto(host, true)
	case "http-parallel":
		n, _ := strconv.Atoi(os.Args[3])
		out, err = httpParallel(host, n)
	case "http-bound":
		out, err = httpVia(host, os.Args[3])
	case "lookup":
		out, err = lookup(host, false)
	case "lookup-tcp":
		out, err = lookup(host, true)
	case "http-twice":
		if out, err = httpGet(host); err == nil {
			fmt.Println(out)
			if err = waitFile(os.Args[3]); err == nil {
				out, err = httpGet(host)
			}
		}
	default:
		err = fmt.Errorf("unknown mode %s", os.Args[1])
	}
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(out)
}
