#!/usr/bin/env bash
# Regenerates the shipped gallery's intro clips (web-client/media/gallery/*.mp4) from the
# posters beside them (*.svg): each clip is its poster, faded in and out over 9 seconds,
# silent (the captions, *.ja.vtt, carry the words). H.264 in MP4 plays in every browser;
# a still picture keeps each clip to a few kilobytes.
# Needs rsvg-convert (librsvg2-bin), ffmpeg and a Japanese font (fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "$0")/../web-client/media/gallery"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for poster in *.svg; do
  name=${poster%.svg}
  rsvg-convert -w 640 -h 360 "$poster" -o "$work/$name.png"
  ffmpeg -loglevel error -y -loop 1 -framerate 10 -t 9 -i "$work/$name.png" \
    -vf "fade=t=in:st=0:d=0.5,fade=t=out:st=8.3:d=0.7,format=yuv420p" \
    -c:v libx264 -profile:v main -tune stillimage -crf 30 -g 90 \
    -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact "$name.mp4"
done
ls -l *.mp4
