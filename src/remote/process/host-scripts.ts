/**
 * The fixed sh programs the remote process plane runs over `exec`: user data only ever arrives
 * as their arguments (quoted by `shellCommand`), never pasted into the text. Each gathers facts
 * or acts on one instance folder (docs/keeper-protocol.md); the host decides from the facts with
 * the same rules as a local adoption (src/keeper/adopt.ts).
 */

/** `stat_of PID` → `STATE PPID PGRP START` from /proc, or nothing when there is no such process. */
const STAT_OF = `stat_of() { read -r l <"/proc/$1/stat" 2>/dev/null || return 1; set -- \${l##*") "}; echo "$1 $2 $3 \${20}"; }
live() { case $(stat_of "$1") in ""|Z*|X*) return 1 ;; esac; }
field() { sed -n "s/^$1=//p" "$2" 2>/dev/null; }
strays() { [ -n "$1" ] && (set +f; grep -lzx "GAMEWARD_KEPT=$1" /proc/[0-9]*/environ 2>/dev/null) | cut -d/ -f3; }`;

/**
 * `facts DIR REAP`: what the folder holds and what /proc says of its keeper and server, as
 * `key=value` lines and prefixed file lines (`meta:...`, `exit:...`, `cursor:...`). With no
 * keeper and no exit record, processes still carrying the token are SIGKILLed (`gone`); with
 * REAP=1 and an exit record, so are the server's leftovers. Waits up to 2 s for a keeper whose
 * server just ended to write its record.
 */
export const FACTS_SCRIPT = `set -f
${STAT_OF}
d=$1 reap=$2
[ -e "$d" ] || { echo state=absent; exit 0; }
d=$(readlink -f -- "$d") || exit 70
echo "dir=$d"
echo "folder=$(stat -c '%u %a %F' -- "$d")"
echo "uid=$(id -u)"
read -r boot </proc/sys/kernel/random/boot_id && echo "boot=$boot"
[ -e "$d/spec.json" ] && echo spec=1
kp=$(field keeper_pid "$d/meta") ks=$(field keeper_start "$d/meta")
sp=$(field server_pid "$d/meta") token=$(field token "$d/meta")
if [ -n "$sp" ] && [ -n "$kp" ]; then
  i=0
  while [ ! -e "$d/exit" ] && [ $i -lt 100 ] && ! live "$sp" && live "$kp"; do
    sleep 0.02; i=$((i + 1))
  done
fi
for f in meta exit cursor; do [ -f "$d/$f" ] && sed "s/^/$f:/" "$d/$f"; done
set +f
for s in out err; do
  for x in "$d/$s".[0-9]*; do [ -e "$x" ] && echo "first_$s=\${x##*.}"; break; done
done
set -f
[ -n "$kp" ] || exit 0
echo "keeper=$(stat_of "$kp")"
script=$(tr '\\0' '\\n' <"/proc/$kp/cmdline" 2>/dev/null | sed -n 2p)
[ -n "$script" ] && echo "keeper_script=$(readlink -f -- "$script")"
[ -n "$sp" ] || exit 0
echo "server=$(stat_of "$sp")"
echo "server_fd1=$(readlink "/proc/$sp/fd/1" 2>/dev/null)"
keeper_ours=0
live "$kp" && case $(stat_of "$kp") in *" $ks") keeper_ours=1 ;; esac
if [ $keeper_ours = 0 ] && { [ "$reap" = 1 ] || [ ! -e "$d/exit" ]; }; then
  for p in $(strays "$token"); do kill -9 "$p" 2>/dev/null && echo "killed=$p"; done
elif [ "$reap" = 1 ] && [ -e "$d/exit" ]; then
  for p in $(strays "$token"); do
    case $(stat_of "$p") in *" $kp "*) ;; *) kill -9 "$p" 2>/dev/null && echo "killed=$p" ;; esac
  done
fi
exit 0
`;

/**
 * `launch DIR SEGMENT_BYTES SEGMENTS_KEPT TOKEN CWD SPEC FILE ARGS...`, the keeper script on
 * stdin: prepares the folder (0700, an earlier run's files removed), starts the keeper in its
 * own session with nothing of the SSH channel open, and waits (10 s at most) for `meta`.
 * Prints `dir=`, then `meta:` lines; or `failed=` with the exit record and the first stderr.
 * Exit 3: a server already runs in the folder.
 */
export const LAUNCH_SCRIPT = `set -f
${STAT_OF}
d=$1 seg=$2 keep=$3 token=$4 cwd=$5 spec=$6
shift 6
mkdir -p -- "$d" && chmod 700 -- "$d" || exit 71
d=$(readlink -f -- "$d") || exit 71
echo "dir=$d"
if [ -f "$d/meta" ] && [ ! -e "$d/exit" ]; then
  kp=$(field keeper_pid "$d/meta") ks=$(field keeper_start "$d/meta")
  if live "$kp"; then case $(stat_of "$kp") in *" $ks") echo "running=$kp"; exit 3 ;; esac; fi
fi
cd -- "$d" || exit 71
set +f
rm -f keeper.sh spec.json meta meta.tmp exit exit.tmp exit.spare alive console out.pipe err.pipe \\
  stop-requested cursor keeper.log status.msg spec.json.tmp out.[0-9]* err.[0-9]* .keeper.sh.*.tmp
set -f
cat >".keeper.sh.$$.tmp" && mv -f ".keeper.sh.$$.tmp" keeper.sh || exit 71
printf '%s\\n' "$spec" >spec.json.tmp && mv -f spec.json.tmp spec.json || exit 71
cd -- "$cwd" || { echo "failed=cwd"; exit 72; }
setsid /bin/sh "$d/keeper.sh" "$seg" "$keep" "$token" "$@" </dev/null >/dev/null 2>&1 &
kp=$!
i=0
while [ ! -e "$d/meta" ] && [ $i -lt 1000 ]; do
  live "$kp" || break
  sleep 0.01; i=$((i + 1))
done
if [ -e "$d/meta" ]; then sed 's/^/meta:/' "$d/meta"; exit 0; fi
wait "$kp" 2>/dev/null
echo "failed=keeper"
[ -f "$d/exit" ] && sed 's/^/exit:/' "$d/exit"
{ cat "$d/keeper.log"; head -c 2048 "$d/err.00000000"; } 2>/dev/null | sed 's/^/stderr:/'
exit 0
`;

/**
 * `signal DIR SIGNAL SERVER_PID SERVER_START TOKEN KEEPER_PID MARK`: sends SIGNAL to the server's
 * process group (its pid checked against its start time and its stdout first) and to every
 * process carrying its token, never to the keeper's group. MARK=1 first records the stop
 * (`stop-requested`). Prints `sent=N` and `alive=N` (processes of the server left).
 */
export const SIGNAL_SCRIPT = `set -f
${STAT_OF}
d=$1 sig=$2 sp=$3 ss=$4 token=$5 kp=$6 mark=$7
[ "$mark" = 1 ] && : >"$d/stop-requested"
n=0
if live "$sp" && case $(stat_of "$sp") in *" $ss") true ;; *) false ;; esac &&
  [ "$(readlink "/proc/$sp/fd/1" 2>/dev/null)" = "$d/out.pipe" ]; then
  kill -s "$sig" -- "-$sp" 2>/dev/null && n=$((n + 1))
fi
alive=0
for p in $(strays "$token"); do
  case $(stat_of "$p") in ""|Z*|X*|*" $kp "*) continue ;; esac
  alive=$((alive + 1))
  [ "$sig" = 0 ] || { kill -s "$sig" "$p" 2>/dev/null && n=$((n + 1)); }
done
echo "sent=$n"
echo "alive=$alive"
`;

/**
 * `send CONSOLE LINE`: writes LINE and a newline to the keeper's console FIFO in one
 * non-blocking write (dd oflag=nonblock): no reader gives ENXIO, a full FIFO EAGAIN, reported on
 * stderr as `gameward-console: ...` for the host to map.
 */
export const SEND_SCRIPT = `LC_ALL=C
export LC_ALL
printf '%s\\n' "$2" | dd of="$1" oflag=nonblock conv=notrunc iflag=fullblock bs=1048576 count=1 status=none 2>/dev/null && exit 0
[ -p "$1" ] || { echo "gameward-console: missing" >&2; exit 4; }
printf '%s\\n' "$2" | dd of="$1" oflag=nonblock conv=notrunc iflag=fullblock bs=1048576 count=1 status=none 2>&1 | sed 's/^/gameward-console: /' >&2
exit 5
`;

/**
 * `stats SERVER_PID TOKEN KEEPER_PID`: CPU ticks and resident pages summed over the server's
 * group and every process with its token (the keeper's group excluded), with the clock and
 * page size to read them.
 */
export const STATS_SCRIPT = `set -f
d=$1 sp=$2 token=$3 kp=$4
ticks=0 pages=0 count=0
set +f
pids=$( { grep -lzx "GAMEWARD_KEPT=$token" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3; echo "$sp"; } | sort -u)
for p in $pids; do
  read -r l <"/proc/$p/stat" 2>/dev/null || continue
  set -f
  set -- \${l##*") "}
  case $1 in Z|X) continue ;; esac
  [ "$3" = "$kp" ] && continue
  ticks=$((ticks + \${12} + \${13})) pages=$((pages + \${22})) count=$((count + 1))
done
read -r up _ </proc/uptime
echo "ticks=$ticks pages=$pages count=$count uptime=$up hz=$(getconf CLK_TCK) page=$(getconf PAGESIZE)"
`;

/** `replay DIR PREFIX SEGMENT OFFSET`: the bytes of one stream from that place to its end. */
export const REPLAY_SCRIPT = `d=$1 p=$2 seg=$3 off=$4
while :; do
  f=$d/$p.$(printf %08d "$seg") n=$d/$p.$(printf %08d $((seg + 1)))
  if [ -e "$f" ]; then tail -c +$((off + 1)) -- "$f"; elif [ ! -e "$n" ]; then break; fi
  seg=$((seg + 1)) off=0
done
`;
