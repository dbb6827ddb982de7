#!/usr/bin/env python3
"""Intelligibility check: transcribe a narration with PocketSphinx and compare it with the text.

    python3 intelligibility.py AUDIO.wav REFERENCE.txt [MAX_WER]

Prints the transcript and the word error rate; exits 0 when the WER is at most MAX_WER (default
0.15), 1 when it is higher, and 3 when PocketSphinx is not installed (`pip install
pocketsphinx==5.1.1`, whose wheel carries the US English model). A speech recogniser with a
generic language model is a crude listener, but a voice it cannot follow is one people will
struggle with too, and a broken G2P or DSP step shows up here as a jump in WER.
"""
import re
import sys
import wave


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def word_error_rate(reference, hypothesis):
    # Levenshtein distance over words, divided by the reference length.
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1] / max(len(reference), 1)


def transcribe(path):
    from pocketsphinx import Decoder

    with wave.open(path, "rb") as audio:
        if audio.getnchannels() != 1 or audio.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected 16-bit mono WAV")
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    decoder = Decoder(samprate=rate, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(frames, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis else ""


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        print("pocketsphinx is not installed: pip install pocketsphinx==5.1.1", file=sys.stderr)
        return 3
    limit = float(sys.argv[3]) if len(sys.argv) == 4 else 0.15
    with open(sys.argv[2], encoding="utf-8") as f:
        reference = words(f.read())
    transcript = transcribe(sys.argv[1])
    wer = word_error_rate(reference, words(transcript))
    print(f"transcript: {transcript}")
    print(f"WER {wer:.3f} (limit {limit:.3f}, {len(reference)} reference words)")
    return 0 if wer <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
