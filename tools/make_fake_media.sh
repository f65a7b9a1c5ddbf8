#!/usr/bin/env bash
# Regenerate the small real media files the fake gateway serves as task results.
#
# Run once by hand when the files need to change (needs ffmpeg: apt-get install -y ffmpeg); the
# output is committed as package data under overlay/haoee_kling/testing/media/, so neither CI nor
# consumers need ffmpeg. Every file stays well under 50 KB and is checked by structure in
# tests/e2e/test_fake_media.py (mutagen for MP4/MP3/WAV, Pillow for PNG).
set -euo pipefail

out="$(cd "$(dirname "$0")/.." && pwd)/overlay/haoee_kling/testing/media"
mkdir -p "$out"
# Bit-exact flags and no metadata: regenerating with the same ffmpeg gives the same bytes.
quiet=(-hide_banner -loglevel error -y)
exact=(-map_metadata -1 -fflags +bitexact)

# 1 s, 320x240, 10 fps H.264 with a quiet AAC tone; moov atom first (faststart) so players can
# start before the download ends.
ffmpeg "${quiet[@]}" \
    -f lavfi -i "testsrc=size=320x240:rate=10:duration=1" \
    -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=1" \
    -c:v libx264 -preset veryslow -crf 36 -pix_fmt yuv420p -flags:v +bitexact \
    -c:a aac -b:a 24k -ac 1 -flags:a +bitexact \
    -shortest -movflags +faststart "${exact[@]}" "$out/video.mp4"

# 640x360 PNG (colour bars compress to a few KB).
ffmpeg "${quiet[@]}" -f lavfi -i "smptebars=size=640x360" -frames:v 1 -flags:v +bitexact \
    "${exact[@]}" "$out/image.png"

# 1 s 440 Hz tone: MP3 (mono, 32 kbit/s) and WAV (8 kHz, 16-bit mono PCM).
ffmpeg "${quiet[@]}" -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=1" \
    -c:a libmp3lame -b:a 32k -ac 1 -flags:a +bitexact "${exact[@]}" "$out/audio.mp3"
ffmpeg "${quiet[@]}" -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=1" \
    -c:a pcm_s16le -ac 1 -flags:a +bitexact "${exact[@]}" "$out/audio.wav"

ls -l "$out"
