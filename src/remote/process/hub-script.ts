/**
 * The hub: one POSIX sh process per SSH link, on the remote host, that follows the output of
 * every kept server of that host over ONE session channel. sshd allows few sessions per
 * connection (`MaxSessions`, default 10), so a channel per instance would not scale; the hub
 * multiplexes instead. Run as `sh -c HUB_SCRIPT gameward-hub OWNER`.
 *
 * Commands, one per line on stdin (fields never contain spaces: the host checks them):
 * - `F TAG DIR PREFIX SEGMENT OFFSET SEGMENT_BYTES KEEPER_PID`: follow `DIR/PREFIX.NNNNNNNN` from
 *   that segment and byte, across segments, until the keeper is gone and all is read;
 * - `K TAG`: stop following TAG;
 * - `C DIR CURSOR...`: write the 64-byte cursor file in place (the next host replays from it).
 *
 * Frames on stdout, each one header line:
 * - `D TAG PREFIX SEGMENT OFFSET N` then N raw bytes: output at that place;
 * - `E TAG PREFIX SEGMENT OFFSET`: that stream is over (its keeper is gone, every byte sent);
 * - `P`: a heartbeat, so a hub whose link died notices it (the write fails) and ends.
 *
 * Why the odd constructs:
 * - a follower is `tail -F` into a FIFO, read with `dd count=1` (one read, so a partial chunk
 *   comes at once) and cut at the segment's end, where the next segment begins;
 * - the keeper's end is seen as EOF on its `alive` FIFO (at its exit, even before it is reaped:
 *   `kill -0` and `tail --pid` would wait for the reaper); the watcher then stops tail and the
 *   follower reads the rest from the files, from the exact byte dd had reached;
 * - frames from concurrent followers are written under `flock`, so they never interleave;
 * - a new hub of the same OWNER (the same link, reconnected) first ends the previous one, which
 *   may outlive a black-holed connection until sshd notices.
 * Needs GNU coreutils (tail --pid, dd, stat), flock (util-linux), mkfifo, mktemp.
 */
export const HUB_SCRIPT = `{
set -f
owner=$1
base=\${TMPDIR:-/tmp}
pidfile=$base/gameward-hub-$owner.pid
if [ -f "$pidfile" ]; then
  old=$(cat "$pidfile" 2>/dev/null)
  if [ -n "$old" ] && tr '\\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -q "gameward-hub $owner"; then
    kill "$old" 2>/dev/null
  fi
fi
tmp=$(mktemp -d "$base/gameward-hub.XXXXXX") || exit 70
echo $$ >"$pidfile"
: >"$tmp/lock"
cleanup() {
  for f in "$tmp"/*.pid "$tmp"/*.tail "$tmp"/*.watch; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  rm -rf "$tmp"
  [ "$(cat "$pidfile" 2>/dev/null)" = $$ ] && rm -f "$pidfile"
}
set +f
trap cleanup EXIT
trap 'exit 0' HUP PIPE TERM INT
live() { read -r l <"/proc/$1/stat" 2>/dev/null || return 1; set -- \${l##*") "}; case $1 in Z|X) return 1 ;; esac; }
frame() {
  { flock 9 && printf '%s\\n' "$1" && { [ -z "$2" ] || cat "$2"; }; } 9>>"$tmp/lock"
}
follow() {
  tag=$1 d=$2 p=$3 seg=$4 off=$5 sb=$6 kp=$7
  t= w=
  trap 'kill $t $w 2>/dev/null; exit 0' HUP PIPE TERM INT
  base=$tmp/$tag.$p
  fifo=$base.fifo chunk=$base.chunk gone=$base.gone
  rm -f "$fifo" "$gone"
  mkfifo "$fifo" || exit 70
  (
    exec 0<"$d/alive"
    cat >/dev/null
    : >"$gone"
    [ -f "$base.tail" ] && kill "$(cat "$base.tail")" 2>/dev/null
    while [ -p "$fifo" ]; do : 1<>"$fifo"; sleep 0.1; done
  ) >/dev/null 2>&1 &
  w=$!
  echo "$w" >"$base.watch"
  while [ "$(readlink "/proc/$w/fd/0" 2>/dev/null)" != "$d/alive" ] && [ ! -e "$gone" ]; do
    live "$kp" || { : >"$gone"; break; }
    sleep 0.01
  done
  while :; do
    f=$d/$p.$(printf %08d "$seg")
    next=$d/$p.$(printf %08d $((seg + 1)))
    if [ ! -e "$f" ] && [ -e "$next" ]; then
      seg=$((seg + 1)) off=0
      continue
    fi
    [ -e "$gone" ] && break
    tail -c +$((off + 1)) -F "$f" 2>/dev/null >"$fifo" &
    t=$!
    echo "$t" >"$base.tail"
    if [ -e "$gone" ]; then kill "$t" 2>/dev/null; wait "$t" 2>/dev/null; break; fi
    exec 5<"$fifo"
    rest=$((sb - off))
    while [ "$rest" -gt 0 ]; do
      bs=$rest
      [ "$bs" -gt 65536 ] && bs=65536
      dd bs="$bs" count=1 of="$chunk" <&5 2>/dev/null || break
      n=$(wc -c <"$chunk")
      [ "$n" -gt 0 ] || break
      frame "D $tag $p $seg $off $n" "$chunk" || exit 0
      off=$((off + n)) rest=$((rest - n))
    done
    kill "$t" 2>/dev/null
    wait "$t" 2>/dev/null
    exec 5<&-
    [ "$rest" -gt 0 ] && break
    seg=$((seg + 1)) off=0
  done
  # The keeper is gone: what tail had not passed on yet is read from the files.
  while f=$d/$p.$(printf %08d "$seg"); [ -e "$f" ]; do
    tail -c +$((off + 1)) -- "$f" >"$chunk" 2>/dev/null
    n=$(wc -c <"$chunk")
    [ "$n" -gt 0 ] && { frame "D $tag $p $seg $off $n" "$chunk" || exit 0; }
    off=$((off + n))
    [ "$off" -ge "$sb" ] || break
    seg=$((seg + 1)) off=0
  done
  rm -f "$fifo" "$chunk" "$base.pid" "$base.tail"
  frame "E $tag $p $seg $off"
  kill "$w" 2>/dev/null
  rm -f "$base.watch" "$gone"
}
( trap - EXIT; while sleep 10; do frame P || exit 0; done ) &
echo $! >"$tmp/heartbeat.pid"
while read -r cmd a b c d e f g; do
  case $cmd in
    F)
      for x in "$tmp/$a.$c.pid" "$tmp/$a.$c.tail" "$tmp/$a.$c.watch"; do [ -f "$x" ] && kill "$(cat "$x")" 2>/dev/null; done
      ( trap - EXIT; follow "$a" "$b" "$c" "$d" "$e" "$f" "$g" ) &
      echo $! >"$tmp/$a.$c.pid"
      ;;
    K)
      for x in "$tmp/$a".*.pid "$tmp/$a".*.tail "$tmp/$a".*.watch; do
        [ -f "$x" ] && kill "$(cat "$x")" 2>/dev/null && rm -f "$x"
      done
      ;;
    C)
      [ -f "$a/meta" ] && printf '%-63s\\n' "out $b $c err $d $e" 1<>"$a/cursor"
      ;;
  esac
done
exit 0
}
`;
