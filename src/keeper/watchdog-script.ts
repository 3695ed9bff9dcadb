/**
 * The host watchdog: one POSIX sh per host, reading commands on stdin from the host.
 *   add TOKEN PGID STOP_TIMEOUT_MS SIGNAL   a server to bring down if the host dies
 *   del TOKEN                               it stopped (or was handed over)
 *   quit                                    the host closes cleanly: forget everything
 * On EOF (the host died, even by SIGKILL) every server still registered goes down as stop()
 * would take it: SIGNAL to the whole tree, then SIGKILL after STOP_TIMEOUT_MS. The tree is every
 * process whose environment carries `GAMEWARD_WATCH=TOKEN` (setsid'd descendants included), plus
 * the process group PGID while its leader carries the token: a reused pgid is someone else's.
 */
export const WATCHDOG_SCRIPT = `{
trap '' HUP INT QUIT PIPE TERM
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
entries=
while read -r cmd tok pg ms sig; do
  case $cmd in
    add) entries="$entries $tok:$pg:$ms:$sig" ;;
    del) kept=; for e in $entries; do case $e in "$tok":*) ;; *) kept="$kept $e" ;; esac; done; entries=$kept ;;
    quit) exit 0 ;;
  esac
done
marked() { grep -laF "GAMEWARD_WATCH=$1" /proc/[0-9]*/environ 2>/dev/null; }
hit() {
  found=
  for f in $(marked "$1"); do p=\${f#/proc/}; kill "-$2" "\${p%/environ}" 2>/dev/null && found=1; done
  grep -qaF "GAMEWARD_WATCH=$1" "/proc/$3/environ" 2>/dev/null && kill "-$2" "-$3" 2>/dev/null && found=1
  [ -n "$found" ]
}
reap() {
  tok=\${1%%:*} r=\${1#*:}; pg=\${r%%:*} r=\${r#*:}; ms=\${r%%:*} sig=\${r#*:}
  hit "$tok" "$sig" "$pg" || return 0
  hit "$tok" CONT "$pg" || return 0
  ticks=$(( (ms + 49) / 50 ))
  while [ "$ticks" -gt 0 ]; do
    sleep 0.05
    hit "$tok" 0 "$pg" || return 0
    ticks=$((ticks - 1))
  done
  n=0
  while hit "$tok" KILL "$pg" && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
}
for e in $entries; do reap "$e" & done
wait
exit 0
}
`;
