#!/usr/bin/env bash
# The shim lives inside other programs: it must export exactly the libc
# names it intercepts and nothing else (no helper, no libconfig symbol).
set -euo pipefail
lib=${1:-build/libbindif.so}
want="__res_nquery __res_nquerydomain __res_nsearch __res_query __res_querydomain __res_search accept accept4 close close_range connect dup dup2 dup3 execl execle execlp execv execve execveat execvp execvpe fcntl fcntl64 fexecve getaddrinfo gethostbyname gethostbyname2 gethostbyname2_r gethostbyname_r getnameinfo getpeername posix_spawn posix_spawnp recvfrom recvmmsg recvmsg res_nquery res_nquerydomain res_nsearch res_query res_querydomain res_search sendmmsg sendmsg sendto setsockopt socket"
got=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TW]$/ {print $3}' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$got" != "$want" ]; then
	echo "FAIL - $lib exports: $got"
	echo "       expected:      $want"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "ok - $lib exports only the hooks ($want)"

# And everything it calls by name is the C library's (a versioned GLIBC
# symbol), which a program replaces, if at all, for itself and the C
# library alike (malloc). A name from any other library could be the
# program's own copy of it: those libraries are opened apart (libs_*.c)
# and called through tables, never linked.
other=$(nm -D --undefined-only "$lib" | awk '{print $2}' |
	{ grep -v -E -e '@GLIBC_' -e '^(_ITM_|__(asan|ubsan|lsan|sanitizer)_)' \
	    -e '^__gmon_start__$' || true; } |
	tr '\n' ' ')
if [ -n "$other" ]; then
	echo "FAIL - $lib calls names that are not the C library's: $other"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "ok - $lib calls only the C library by name"
