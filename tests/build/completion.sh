#!/usr/bin/env bash
# The bash completion offers options, interfaces (with auto) and commands,
# and hands over to the command's own completion after it.
set -u
src=${1:-completions/bindif.bash}
bc=/usr/share/bash-completion/bash_completion
pass=0 fail=0
if [ ! -r "$bc" ]; then
	echo "FAIL - $bc missing (make deps installs bash-completion)"
	exit 1
fi
complete_words() {
	# complete_words WORD... : COMPREPLY for the last word
	bash -c '
		source "$1" >/dev/null 2>&1; source "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_bindif bindif "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$src" "$@"
}
check() {
	local name=$1 want=$2
	shift 2
	if complete_words "$@" | grep -qx -- "$want"; then
		pass=$((pass + 1)); echo "ok - $name"
	else
		fail=$((fail + 1)); echo "not ok - $name (no '$want' in: $(complete_words "$@" | head -5 | tr '\n' ' '))"
	fi
}
check "options" --explain bindif --ex
check "supervisor mode" --supervise bindif --sup
check "interfaces include auto" auto bindif -i ""
check "interfaces include lo" lo bindif --interface ""
check "a command after the options" bash bindif -i lo bas
check "the command's own arguments after --" --version bindif -i lo -- bindif --vers
echo "completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
