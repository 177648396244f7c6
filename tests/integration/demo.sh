#!/bin/bash
# demo.sh - `make demo`: one throwaway lab with a ClashX-style capture,
# showing in plain words that curl alone falls into the tun and that
# `bindif -i phy0 -- curl` reaches the server through phy0. Exits non-zero
# if the lab did not show exactly that.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces; the host's own network is not touched)"
	exit 1
fi

SHOWN=1   # cleared by any step that did not behave

step() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/     /'; }
bad() { echo "  !! $*"; SHOWN=0; }

# What `tunlog` captured since the mark, for the server only.
tun_saw() { tun_new "$1" | indent; }

# demo_family LABEL URL SERVER-REGEX EXPECTED-BODY
demo_family() {
	local label=$1 url=$2 re=$3 want=$4

	step "$label: curl $url, without bindif"
	tun_mark
	run in_app timeout 6 "${CURL[@]}" "$url"
	if [ "$RC" != 0 ] && [ -z "$OUT" ]; then
		echo "   curl failed (exit $RC): the VPN captured it and nobody answered."
	else
		bad "curl did not fail (exit $RC, '$OUT'): the capture is not working"
	fi
	if [ -n "$(tun_new "$re")" ]; then
		echo "   the tun device saw it:"
		tun_saw "$re"
	else
		bad "the tun saw nothing for the server"
	fi

	step "$label: bindif -i phy0 -- curl $url"
	tun_mark
	run app_bindif -i phy0 -- "${CURL[@]}" "$url"
	if [ "$RC" = 0 ] && [ "$OUT" = "$want" ]; then
		echo "   curl exit 0, the server answered: $OUT"
		echo "   (that is app's phy0 address: it left by the physical interface)"
	else
		bad "expected '$want' with exit 0, got exit $RC, '$OUT' $ERR"
	fi
	if [ -z "$(tun_new "$re")" ]; then
		echo "   the tun device saw nothing of it."
	else
		bad "the tun saw it anyway:"
		tun_saw "$re"
	fi
}

echo "bindif demo: a namespace 'app' whose routing is captured by tun0 (as"
echo "ClashX's enhanced mode does), and a server at $SRV4 / $SRV6 that"
echo "answers with the address it sees the client come from."
lab_up clashx

step "the capture routes in app (more specific than its default via phy0)"
lab_show_capture | indent
ip -n "$NS_APP" route show default | indent
ip -n "$NS_APP" -6 route show default | indent

demo_family IPv4 "$URL4" "$TUN_SRV4" "peer=$APP4"
demo_family IPv6 "$URL6" "$TUN_SRV6" "peer=$APP6"

lab_down
echo
if [ "$SHOWN" = 1 ]; then
	echo "demo: done. bindif sent curl out of phy0 past the capture; the lab is gone."
	exit 0
fi
echo "demo: FAILED: see the '!!' lines above. The lab is gone."
exit 1
