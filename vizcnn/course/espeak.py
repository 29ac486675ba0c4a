"""espeak-ng, the speech synthesiser that says the spoken digits: found, asked, split.

Course material: the lessons' sound data set (:mod:`vizcnn.course.spoken_digits`) is made
on the learner's machine by ``espeak-ng`` (Debian/Ubuntu package ``espeak-ng``).

One call of ``espeak-ng`` costs ~20 ms, nearly all of it start-up, so one call says all
ten digits of a voice, speed and pitch, as SSML sentences separated by long breaks, and
the recording is cut at those breaks: ten times fewer calls. A recording that does not
cut into exactly one piece per word is said again one word per call (never guessed at).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

__all__ = ["EspeakError", "find_espeak", "espeak_version", "espeak_variants", "say_words"]

# The quiet between two words: a break longer than any pause inside a word (stop
# closures last < 0.15 s at the slowest speed the data set uses); quiet = at most 32 of
# 32,767 (-60 dBFS), since the Korean voice leaves +-1 of dither in its silences.
BREAK_MS = 500
GAP_SECONDS = 0.25
QUIET = 32

INSTALL = (
    "espeak-ng, the speech synthesiser that makes the spoken-digit data set, was not found "
    "on this machine (looked for 'espeak-ng' on PATH{where}). Install it:\n"
    "  Debian/Ubuntu: sudo apt install espeak-ng\n"
    "  macOS (Homebrew): brew install espeak-ng\n"
    "  Windows: the espeak-ng .msi installer from "
    "https://github.com/espeak-ng/espeak-ng/releases (it installs into "
    "C:\\Program Files\\eSpeak NG, which is searched too)\n"
    "then restart the Python kernel."
)


class EspeakError(RuntimeError):
    """espeak-ng ran but failed (an unknown voice, a broken installation)."""


def _windows_default() -> Path | None:
    # the .msi installer does not add its folder to PATH
    for variable in ("ProgramFiles", "ProgramFiles(x86)"):
        base = os.environ.get(variable)
        if base and (Path(base) / "eSpeak NG" / "espeak-ng.exe").is_file():
            return Path(base) / "eSpeak NG" / "espeak-ng.exe"
    return None


def find_espeak() -> str:
    """The path of the ``espeak-ng`` program.

    Raises
    ------
    FileNotFoundError
        If it is not installed: the message says how to install it (apt, brew, the
        Windows installer).
    """
    found = shutil.which("espeak-ng")
    if found is None and sys.platform == "win32":
        found = _windows_default()
    if found is None:
        where = " and in C:\\Program Files\\eSpeak NG" if sys.platform == "win32" else ""
        raise FileNotFoundError(INSTALL.format(where=where))
    return str(found)


def _run(exe: str, args: list[str]) -> bytes:
    done = subprocess.run([exe, *args], capture_output=True, check=False)
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EspeakError(f"espeak-ng {' '.join(args)!r} failed: {error[-1] if error else ''}")
    return done.stdout


def espeak_version(exe: str) -> str:
    """espeak-ng's version, e.g. ``"1.51"`` (the output of a version differs from another's)."""
    line = _run(exe, ["--version"]).decode("utf-8", "replace").strip()
    # "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/..."
    return line.split(":", 1)[-1].split("Data at")[0].strip() or line


def espeak_variants(exe: str) -> set[str]:
    """The voice variants this espeak-ng knows (what may follow ``+`` in ``-v en+m3``)."""
    listing = _run(exe, ["--voices=variant"]).decode("utf-8", "replace").splitlines()
    # columns: Pty Language Age/Gender VoiceName File ...; File is "!v/NAME"
    return {field[3:] for line in listing[1:] for field in line.split() if field.startswith("!v/")}


def _wav_int16(data: bytes) -> tuple[np.ndarray, int]:
    # --stdout writes a header whose length fields are unknown (2**31 - 1): read to the end
    with wave.open(io.BytesIO(data)) as stream:
        rate, width, channels = stream.getframerate(), stream.getsampwidth(), stream.getnchannels()
        frames = stream.readframes(stream.getnframes())
    if (width, channels) != (2, 1):
        raise EspeakError(
            f"espeak-ng wrote {width * 8}-bit audio in {channels} channels, not 16-bit mono"
        )
    return np.frombuffer(frames, dtype="<i2"), rate


def _speak(exe: str, text: str, *, voice: str, speed: int, pitch: int, ssml: bool):
    args = ["-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"]
    return _wav_int16(_run(exe, [*args, *(["-m"] if ssml else []), "--", text]))


def cut_at_gaps(samples: np.ndarray, rate: int) -> list[np.ndarray]:
    """The sounds of ``samples`` between quiet stretches of at least ``GAP_SECONDS``."""
    loud = np.abs(samples.astype(np.int32)) > QUIET
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]  # each loud stretch is [start, end)
    if len(starts) == 0:
        return []
    keep = np.concatenate([[True], starts[1:] - ends[:-1] >= GAP_SECONDS * rate])
    firsts = starts[keep]
    lasts = np.concatenate([ends[:-1][keep[1:]], ends[-1:]])
    return [samples[a:b] for a, b in zip(firsts, lasts, strict=True)]


def say_words(
    exe: str, words, *, voice: str, speed: int, pitch: int
) -> tuple[list[np.ndarray], int, bool]:
    """Each of ``words`` said by ``voice`` (e.g. ``"en-us+m3"``) at ``speed`` and ``pitch``.

    Returns
    -------
    list of np.ndarray of int16
        One recording per word, without the silence around it.
    int
        Their sample rate (espeak-ng's own, 22,050 Hz).
    bool
        True when the words were said in one call; False when the one call's recording did
        not cut into one piece per word and each word was said on its own.
    """
    pause = f'<break time="{BREAK_MS}ms"/>'
    text = "<speak>" + "".join(f"<s>{word}</s>{pause}" for word in words) + "</speak>"
    samples, rate = _speak(exe, text, voice=voice, speed=speed, pitch=pitch, ssml=True)
    pieces = cut_at_gaps(samples, rate)
    if len(pieces) == len(words):
        return pieces, rate, True
    pieces = []
    for word in words:
        samples, rate = _speak(exe, word, voice=voice, speed=speed, pitch=pitch, ssml=False)
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > QUIET)
        pieces.append(samples[loud[0] : loud[-1] + 1] if len(loud) else samples)
    return pieces, rate, False
