/**
 * The keeper: a POSIX sh (dash) program, one per kept server, written to `<dir>/keeper.sh` and
 * run as `/bin/sh <dir>/keeper.sh SEGMENT_BYTES SEGMENTS_KEPT TOKEN FILE [ARG...]`. The host's
 * only contract with it is the folder (docs/keeper-protocol.md); it needs /bin/sh, setsid, split,
 * cat, mkfifo, mv and rm, so it runs unchanged on a remote host reached over SSH.
 *
 * Why each odd construct is there (see research/reattach.md section 5):
 * - the body is one `{ ... }` group: dash re-reads its script while it runs, and the host may
 *   later write a newer keeper.sh beside a running one;
 * - fds 3-9 are closed (dash cannot name fds above 9; the host maps those to /dev/null);
 * - the server runs in the foreground of a subshell that `exec`s setsid: no job control, so it
 *   keeps default SIGINT/SIGQUIT and its own session, and dash reports a signal death on the
 *   keeper's stderr (`status.msg`), which tells a signal from `exit(128+N)`;
 * - each output stream is a FIFO drained by `split`, whose per-segment filter drops the segment
 *   SEGMENTS_KEPT back: the server never blocks on a full pipe and never gets SIGPIPE when the
 *   host dies, and disk use stays under SEGMENTS_KEPT * SEGMENT_BYTES per stream;
 * - the filter never fails: a segment it cannot write (the disk is full) is read to /dev/null,
 *   because split exits when a filter exits non-zero, and then the server would get EPIPE;
 * - fd 4 holds `alive` open read-write: the host reading it sees EOF once the keeper is gone,
 *   however it went;
 * - `exit.spare` (a line of 128 zeros) is written at start and the exit record later written over
 *   it in place (`1<>`, no truncation) and renamed: the record needs no new disk block, so a disk
 *   that output filled meanwhile does not lose the exit code. Its last line, zeros, is no field.
 */
export const KEEPER_SCRIPT = `{
# gameward keeper, protocol 2 (docs/keeper-protocol.md). Do not edit while a keeper runs it.
set -f
dir=\${0%/*}
seg=$1 keep=$2 token=$3
shift 3
exec </dev/null >/dev/null 2>>"$dir/keeper.log" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
trap '' HUP INT QUIT PIPE TERM
mkfifo -m 600 "$dir/console" "$dir/alive" "$dir/out.pipe" "$dir/err.pipe" || exit 70
exec 4<>"$dir/alive"
printf '%0128d\\n' 0 >"$dir/exit.spare" 2>/dev/null || rm -f "$dir/exit.spare"
start_of() { read -r l <"/proc/$1/stat" || return 1; set -- \${l##*") "}; r=\${20}; }
start_of $$ || exit 70
read -r boot </proc/sys/kernel/random/boot_id || exit 70
printf 'version=2\\nboot_id=%s\\nkeeper_pid=%s\\nkeeper_start=%s\\ntoken=%s\\nsegment_bytes=%s\\nsegments_kept=%s\\n' \\
  "$boot" $$ "$r" "$token" "$seg" "$keep" >"$dir/meta.tmp" || exit 70
filter='n=\${FILE##*.}
while :; do case $n in 0?*) n=\${n#0} ;; *) break ;; esac; done
o=00000000$((n - GW_KEEP))
[ "$n" -ge "$GW_KEEP" ] && rm -f "\${FILE%.*}.\${o#"\${o%????????}"}"
cat >"$FILE" || exec cat >/dev/null'
for s in out err; do
  GW_KEEP=$keep SHELL=/bin/sh split -b "$seg" -d -a 8 --filter="$filter" - "$dir/$s." <"$dir/$s.pipe" 4>&- &
done
pre='d=$1; shift
start_of() { read -r l <"/proc/$1/stat" || return 1; set -- \${l##*") "}; r=\${20}; }
command -v "$1" >/dev/null 2>&1 || { printf "%s: not found\\n" "$1" >&2; exit 127; }
start_of $$ || exit 70
printf "server_pid=%s\\nserver_start=%s\\n" $$ "$r" >>"$d/meta.tmp" && mv -f "$d/meta.tmp" "$d/meta" || exit 70
exec "$@"'
exec 2>"$dir/status.msg"
(
  trap - HUP INT QUIT PIPE TERM
  GAMEWARD_KEPT=$token
  export GAMEWARD_KEPT
  exec setsid /bin/sh -c "$pre" sh "$dir" "$@"
) <>"$dir/console" >"$dir/out.pipe" 2>"$dir/err.pipe" 4>&-
status=$?
exec 2>>"$dir/keeper.log"
sig= ambiguous=0
if [ "$status" -gt 128 ]; then
  if [ -s "$dir/status.msg" ]; then sig=$((status - 128))
  else case $status in 130|141) sig=$((status - 128)) ambiguous=1 ;; esac
  fi
fi
stop=0
[ -e "$dir/stop-requested" ] && stop=1
printf 'version=2\\nstatus=%s\\nsignal=%s\\nambiguous=%s\\nstop_requested=%s\\n' \\
  "$status" "$sig" "$ambiguous" "$stop" 1<>"$dir/exit.spare" && mv -f "$dir/exit.spare" "$dir/exit"
: 5<>"$dir/out.pipe" 6<>"$dir/err.pipe"
wait
exit 0
}
`;
