# Choosing and fetching zstd's source for the wasm builds; sourced by
# scripts/bootstrap and by tests/js/bootstrap.test.mjs (which feeds it version
# lists and fetchers that fail, so the fallback is tested without a network).
#
# Why a fallback: a fresh Debian 12 machine installs libzstd-dev from the
# security suite (1.5.4+dfsg2-5+deb12u1), and the reachable mirror may serve no
# source for that revision while it does for bookworm's 1.5.4+dfsg2-5. Debian
# revisions of one upstream release differ only in packaging and backported
# patches, so any revision of the same upstream version gives the wasm builds
# the zstd the native build links.

# upstream_version VERSION: the Debian version without epoch and revision.
upstream_version() {
  local v=${1#*:}
  echo "${v%-*}"
}

# zstd_version_order INSTALLED VERSION...: prints the versions to try, one a
# line: INSTALLED first when listed, then the others of the same upstream
# release newest first, then the rest newest first. Duplicates are dropped.
zstd_version_order() {
  local installed=$1 up v i j t
  shift
  up=$(upstream_version "$installed")
  local -a same=() other=()
  for v in "$@"; do
    [ -n "$v" ] && [ "$v" != "$installed" ] || continue
    case " ${same[*]} ${other[*]} " in *" $v "*) continue ;; esac
    if [ "$(upstream_version "$v")" = "$up" ]; then same+=("$v"); else other+=("$v"); fi
  done
  sort_newest_first() {
    local -n arr=$1
    for ((i = 0; i < ${#arr[@]}; i++)); do
      for ((j = i + 1; j < ${#arr[@]}; j++)); do
        if dpkg --compare-versions "${arr[j]}" gt "${arr[i]}"; then
          t=${arr[i]} arr[i]=${arr[j]} arr[j]=$t
        fi
      done
    done
  }
  sort_newest_first same
  sort_newest_first other
  case " $* " in *" $installed "*) echo "$installed" ;; esac
  for v in "${same[@]}" "${other[@]}"; do echo "$v"; done
}

# fetch_zstd_first DEST FETCHER VERSION...: tries the versions in order; for
# each, runs `FETCHER VERSION DIR` with DIR an empty folder under DEST, and
# keeps the first whose unpacked tree has lib/zstd.h. On success DEST/zstd
# links to that tree, DEST/zstd.version records the version, and the version
# is printed. Fails (status 1) when none fetched; what each try said is on
# standard error.
fetch_zstd_first() {
  local dest=$1 fetcher=$2 v dir tree
  shift 2
  for v in "$@"; do
    dir="$dest/src"
    rm -rf "$dir" && mkdir -p "$dir"
    if "$fetcher" "$v" "$dir"; then
      tree=$(find "$dir" -mindepth 3 -maxdepth 3 -path '*/lib/zstd.h' -printf '%h\n' | head -n 1)
      tree=${tree%/lib}
      if [ -n "$tree" ]; then
        ln -sfn "${tree#"$dest"/}" "$dest/zstd"  # relative: the checkout may move
        echo "$v" >"$dest/zstd.version"
        echo "$v"
        return 0
      fi
      echo "zstd $v: unpacked without lib/zstd.h" >&2
    else
      echo "zstd $v: could not be fetched" >&2
    fi
  done
  rm -rf "$dest/src"
  return 1
}

# zstd_source_current DEST INSTALLED: true when DEST holds a fetched tree of
# the installed binary's upstream release (the recorded revision may differ).
zstd_source_current() {
  local dest=$1 installed=$2 recorded
  [ -f "$dest/zstd/lib/zstd.h" ] && [ -f "$dest/zstd.version" ] || return 1
  recorded=$(cat "$dest/zstd.version")
  [ "$(upstream_version "$recorded")" = "$(upstream_version "$installed")" ]
}
