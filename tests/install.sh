#!/bin/sh
# install.sh - `make install` into a scratch PREFIX, then vlab used from
# there only: the command runs an installed scenario, stock lua5.4 loads the
# installed module (lua5.4 -l vlab), luajit the installed FFI binding
# (require "vlab_ffi", no environment variable), and the man page, the docs
# and the scenarios are in place. Also: the FFI binding loads from the source
# tree without any environment variable (dofile("lua/vlab_ffi.lua")).
NAME=install
. "$(dirname "$0")/testlib.sh"
P=$T/prefix
# the build of this run ($BUILD: build, or build-asan under make check-asan)
# is up to date: install copies it, and must not rebuild anything
expect 0 "make install" env -u MAKEFLAGS -u MAKELEVEL make -s --no-print-directory install BUILD="$BUILD" PREFIX="$P"
for f in bin/vlab lib/libvlab.so include/vlab.h lib/lua/5.4/vlab.so share/lua/5.1/vlab_ffi.lua \
         share/man/man1/vlab.1 share/doc/vlab/README.md share/doc/vlab/lua-api.md \
         share/vlab/scenarios/first.lua share/vlab/scenarios/m68k-move-from-sr.lua; do
    [ -f "$P/$f" ] && ok || bad "make install did not install $f"
done
first_out=$("$VLAB" run scenarios/first.lua) # the same as from the source tree (readme.sh checks it)
cd "$T" || exit 1 # nothing from the source tree from here on
PRELOAD=$(cd "$OLDPWD" && san_preload) || exit 1
expect 0 "installed vlab runs a scenario" "$P/bin/vlab" run "$P/share/vlab/scenarios/first.lua"
[ "$(cat "$T/out")" = "$first_out" ] && ok || bad "installed vlab: $(cat "$T/out" "$T/err")"
expect 0 "installed vlab runs the MOVE from SR lab" "$P/bin/vlab" run "$P/share/vlab/scenarios/m68k-move-from-sr.lua"
has "$T/out" "user" "MOVE from SR lab from the installed tree"
if command -v lua5.4 >/dev/null 2>&1; then
    expect 0 "lua5.4 -l vlab" env LD_PRELOAD="$PRELOAD" LUA_CPATH="$P/lib/lua/5.4/?.so" \
        lua5.4 -l vlab "$P/share/vlab/scenarios/first.lua"
    [ "$(cat "$T/out")" = "$first_out" ] && ok || bad "lua5.4 with the installed module: $(cat "$T/out" "$T/err")"
else
    missing lua5.4 "the installed module under stock lua5.4" || bad "lua5.4 missing"
fi
if command -v luajit >/dev/null 2>&1; then
    expect 0 "luajit require vlab_ffi" env LD_PRELOAD="$PRELOAD" LUA_PATH="$P/share/lua/5.1/?.lua" \
        luajit -e 'vlab = require "vlab_ffi"' "$P/share/vlab/scenarios/first.lua"
    [ "$(cat "$T/out")" = "$first_out" ] && ok || bad "luajit with the installed binding: $(cat "$T/out" "$T/err")"
    cd "$OLDPWD" || exit 1
    # from the source tree, no VLAB_H / VLAB_LIB: the binding finds include/ and $BUILD
    # (build/ is where it looks: under check-asan, point it at build-asan)
    lib=; [ "$BUILD" = build ] || lib=$BUILD/libvlab.so
    expect 0 "luajit dofile from the tree" env -u VLAB_H VLAB_LIB="$lib" LD_PRELOAD="$PRELOAD" \
        luajit -e 'vlab = dofile("lua/vlab_ffi.lua")' scenarios/first.lua
    [ "$(cat "$T/out")" = "$first_out" ] && ok || bad "luajit dofile from the tree: $(cat "$T/out" "$T/err")"
else
    missing luajit "the installed FFI binding" || bad "luajit missing"
fi
finish
