#!/bin/sh
# What ffmpeg prints on stderr while it transcodes a 6 s file: its input's Duration, then a stats line redrawn
# with `\r` (the format of ffmpeg 5.1). Only sh and printf: no ffmpeg needed.
printf 'Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '"'"'in.mp4'"'"':\n  Duration: 00:00:06.00, start: 0.000000, bitrate: 180 kb/s\n' >&2
printf 'Stream mapping:\n  Stream #0:0 -> #0:0 (mpeg4 (native) -> mpeg4 (native))\nPress [q] to stop, [?] for help\n' >&2
frame=0
while [ "$frame" -le 150 ]; do
  secs=$((frame / 25)); hund=$(( (frame % 25) * 4 ))
  printf 'frame=%5d fps= 25 q=2.0 size=%8dkB time=00:00:%02d.%02d bitrate= 200.0kbits/s speed=1.00x    \r' "$frame" $((frame * 2)) "$secs" "$hund" >&2
  sleep "${PACE_S:-0.04}"
  frame=$((frame + 5))
done
printf '\nvideo:300kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 1.2%%\n' >&2
