# Sourced by the benchmarks that start a server on freshly made data: `settle PID` waits until
# that server has finished the work such data queues once (the demo's photos to paint and, with
# a voice such as espeak-ng, its stories to narrate): no CPU used for two seconds, at most five
# minutes. It sets `settle_s` (seconds waited) and `settle_kb` (the server's VmHWM by then), so
# the caller can report that one-off work on its own and restart the server to measure serving
# alone: CPU not shared with it, and a peak that is the serving's own.
settle() {
  local pid=$1 start before now
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  start=$(date +%s)
  before=$(cpu_ticks)
  while sleep 2; do
    now=$(cpu_ticks)
    [ "$now" = "$before" ] && break
    before=$now
    (($(date +%s) - start < 300)) || { echo "the server was still busy after 5 minutes" >&2; break; }
  done
  settle_s=$(($(date +%s) - start))
  settle_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
}
