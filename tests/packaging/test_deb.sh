#!/usr/bin/env bash
# gardien as an integrator installs it (issue 20): a Release build of its own,
# `cpack -G DEB`, both packages unpacked into an empty directory tree (no
# chroot needed: the programs are run from it with the tree's library path),
# then: `gardien version`, the man page and completions in place, the unit
# file, examples/hello.c linked through pkg-config (shared and static) and
# through find_package(gardien), and the library exporting exactly the public
# functions. Takes a minute: it compiles gardien once more.
set -euo pipefail
: "${GD_SOURCE_DIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/gd-deb.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

B=$W/build
cmake -S "$GD_SOURCE_DIR" -B "$B" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr >"$W/cmake.log" 2>&1 || { cat "$W/cmake.log"; fail "cmake"; }
cmake --build "$B" -j"$(nproc)" >"$W/build.log" 2>&1 || { tail -30 "$W/build.log"; fail "build"; }
(cd "$B" && cpack -G DEB >"$W/cpack.log" 2>&1) || { cat "$W/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^#define GD_VERSION "\(.*\)"/\1/p' "$B/include/gardien/version.h")
run_deb=$(ls "$B"/gardien_"$version"_*.deb)
dev_deb=$(ls "$B"/libgardien-dev_"$version"_*.deb)
[ -f "$run_deb" ] && [ -f "$dev_deb" ] && ok || fail "packages not built: $(ls "$B"/*.deb)"

# Package metadata: names, the runtime's library dependencies, -dev on gardien.
info=$(dpkg-deb -f "$run_deb" Package Depends)
grep -q '^Package: gardien$' <<<"$info" && ok || fail "runtime package name: $info"
grep -q 'libsodium23' <<<"$info" && ok || fail "runtime Depends lacks libsodium: $info"
grep -q 'libsqlite3-0' <<<"$info" && ok || fail "runtime Depends lacks libsqlite3: $info"
grep -q 'libzip4' <<<"$info" && ok || fail "runtime Depends lacks libzip: $info"
dev=$(dpkg-deb -f "$dev_deb" Package Depends)
grep -q "gardien (= $version)" <<<"$dev" && ok || fail "-dev does not depend on gardien: $dev"

R=$W/root
dpkg-deb -x "$run_deb" "$R"
dpkg-deb -x "$dev_deb" "$R"
libdir=$(cd "$R" && ls -d usr/lib/*-linux-gnu 2>/dev/null || echo usr/lib)
for f in usr/bin/gardien "$libdir/libgardien.so.0" "$libdir/libgardien.so" "$libdir/libgardien.a" \
         usr/include/gardien.h usr/include/gardien/version.h usr/include/gardien/rights.h \
         "$libdir/pkgconfig/gardien.pc" "$libdir/cmake/gardien/gardienConfig.cmake" \
         usr/share/man/man1/gardien.1 usr/share/bash-completion/completions/gardien \
         usr/share/zsh/vendor-completions/_gardien usr/lib/systemd/system/gardien.service \
         usr/lib/systemd/system/gardien-maintenance.service usr/lib/systemd/system/gardien-maintenance.timer \
         usr/lib/gardien/gardien-maintenance \
         etc/gardien/gardien.conf usr/share/doc/gardien/LICENSE usr/share/doc/gardien/NOTICE; do
  [ -e "$R/$f" ] && ok || fail "missing from the packages: /$f"
done
# The runtime package does not carry development files, and the reverse.
grep -qE 'include/|\.a$|pkgconfig' <<<"$(dpkg-deb -c "$run_deb")" && fail "runtime package has dev files" || ok
grep -q 'usr/bin/gardien' <<<"$(dpkg-deb -c "$dev_deb")" && fail "-dev package has the command" || ok

export LD_LIBRARY_PATH=$R/$libdir
out=$("$R/usr/bin/gardien" version)
[ "$out" = "gardien $version" ] && ok || fail "gardien version said: $out"
grep -qE 'gardien +- +GDPR' <<<"$(MANWIDTH=80 man -l "$R/usr/share/man/man1/gardien.1")" && ok || fail "man page"
bash --norc -c ". '$R/usr/share/bash-completion/completions/gardien' && complete -p gardien" >/dev/null \
  && ok || fail "bash completion does not load"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$R/usr/lib/systemd/system/gardien.service" 2>&1 | grep -v 'Command /usr/bin/gardien is not executable' \
    | grep -qi 'error' && fail "unit file: $(systemd-analyze verify "$R/usr/lib/systemd/system/gardien.service" 2>&1)" || ok
fi
# The maintenance unit and its timer (retention sweep, then key epoch: docs/keys.md).
if command -v systemd-analyze >/dev/null; then
  for u in gardien-maintenance.service gardien-maintenance.timer; do
    systemd-analyze verify "$R/usr/lib/systemd/system/$u" 2>&1 | grep -v 'is not executable\|man gardien' \
      | grep -qi 'error' && fail "unit file $u: $(systemd-analyze verify "$R/usr/lib/systemd/system/$u" 2>&1)" || ok
  done
fi
[ -x "$R/usr/lib/gardien/gardien-maintenance" ] && ok || fail "gardien-maintenance is not executable"

# The library exports exactly the functions the public headers declare, under
# the version node, and nothing internal. gardien/json.h is public but not in
# the umbrella (it needs jansson): included as well.
printf '#include "gardien.h"\n#include "gardien/json.h"\n' >"$W/aux.c"
gcc -I"$R/usr/include" -aux-info "$W/aux.txt" -c "$W/aux.c" -o "$W/aux.o"
grep '/usr/include/gardien' "$W/aux.txt" | grep -oE '\bgd_[a-z0-9_]+ \(' | tr -d ' (' | sort -u >"$W/declared"
nm -D --defined-only "$R/$libdir/libgardien.so.0" | awk '{print $3}' | sed 's/@.*//' | grep -v '^GARDIEN_' | sort >"$W/exported"
diff "$W/declared" "$W/exported" >"$W/exports.diff" && ok || { cat "$W/exports.diff"; fail "exports differ from the headers"; }
[ "$(wc -l <"$W/declared")" -gt 100 ] && ok || fail "too few public functions found: $(wc -l <"$W/declared")"
grep -q ' gd_vault_open@@GARDIEN_0$' <<<"$(nm -D --defined-only "$R/$libdir/libgardien.so.0")" && ok || fail "no versioned symbols"
grep -q 'SONAME *libgardien.so.0' <<<"$(objdump -p "$R/$libdir/libgardien.so.0")" && ok || fail "SONAME"

# examples/hello.c through pkg-config: the shared library, then the static one.
export PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_LIBDIR=$R/$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig
[ "$(pkg-config --modversion gardien)" = "$version" ] && ok || fail "pkg-config version"
# shellcheck disable=SC2046
gcc -o "$W/hello" "$GD_SOURCE_DIR/examples/hello.c" $(pkg-config --cflags --libs gardien)
(cd "$W" && ./hello "$W/hello.db") >"$W/hello.out" || { cat "$W/hello.out"; fail "hello (shared) failed"; }
grep -q "$R/$libdir/libgardien.so.0" <<<"$(ldd "$W/hello")" && ok || fail "hello is not linked to the packaged .so: $(ldd "$W/hello")"
# shellcheck disable=SC2046
# The static libgardien.a with its dependencies' shared libraries (libpq, for
# one, is not meant to be linked statically).
deps=$(pkg-config --print-requires-private gardien | awk '{print $1}')
gcc -o "$W/hello-static" "$GD_SOURCE_DIR/examples/hello.c" $(pkg-config --cflags gardien) \
    "$R/$libdir/libgardien.a" $(pkg-config --libs $deps) -lpthread -lm
(cd "$W" && ./hello-static "$W/hello2.db") >/dev/null && ok || fail "hello (static) failed"
grep -q libgardien <<<"$(ldd "$W/hello-static")" && fail "static hello links the .so" || ok
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# find_package(gardien) from a CMake project.
mkdir -p "$W/proj"
cat >"$W/proj/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(hello C)
find_package(gardien $version REQUIRED)
add_executable(hello "$GD_SOURCE_DIR/examples/hello.c")
target_link_libraries(hello PRIVATE gardien::gardien)
CM
cmake -S "$W/proj" -B "$W/proj/b" -DCMAKE_PREFIX_PATH="$R/usr" >"$W/proj.log" 2>&1 || { cat "$W/proj.log"; fail "find_package"; }
cmake --build "$W/proj/b" >>"$W/proj.log" 2>&1 || { cat "$W/proj.log"; fail "find_package build"; }
(cd "$W" && "$W/proj/b/hello" "$W/hello3.db") >/dev/null && ok || fail "hello (find_package) failed"

echo "$checks passed, 0 failed"
