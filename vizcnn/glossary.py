"""The lessons' English ↔ Korean terms, in one place and one spelling.

Korean terms follow Haesun Park's Korean edition of Géron's *Hands-On Machine Learning*
(핸즈온 머신러닝) where it has one. Where the learner's notes spell a term differently
(깊이 방향 풀링, 특성맵, ...), the notes' spelling is listed beside ours: the lessons quote
the notes verbatim, but their own Korean text uses only the glossary's spelling, and
``tests/test_glossary.py`` fails on any other spelling of a glossary term.

Each lesson renders its glossary from here::

    vz.glossary.table(lesson=3)

No TensorFlow, no matplotlib: this module is plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "TERMS",
    "Term",
    "GlossaryTable",
    "table",
    "spelling_problems",
    "strip_quotes",
    "notes_quotes",
    "terms_in",
]

LESSONS = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Term:
    """One entry: the English term, its one Korean spelling, and where it is used.

    Parameters
    ----------
    english : str
        The English term, as the lessons write it.
    korean : str
        The Korean spelling every lesson uses.
    lessons : tuple of int
        The lessons whose glossary lists the term.
    meaning : str
        A short English explanation.
    notes : str, optional
        The notes' spelling, when it differs from ``korean`` (shown in the table).
    variants : tuple of str
        Other spellings that the lessons must not use (besides ``notes`` and ``korean``
        written without its spaces, which are always treated as variants).
    """

    english: str
    korean: str
    lessons: tuple[int, ...]
    meaning: str
    notes: str = ""
    variants: tuple[str, ...] = ()

    def wrong_spellings(self) -> tuple[str, ...]:
        """Spellings of this term that are not :attr:`korean`."""
        wrong = set(self.variants)
        if self.notes:
            wrong.update(s.strip() for s in self.notes.split(","))
        if " " in self.korean:
            wrong.add(self.korean.replace(" ", ""))
        wrong.discard(self.korean)
        # a variant that is part of the right spelling (e.g. "필터" in "필터 크기") would
        # flag correct text, so it is not a variant
        return tuple(sorted(w for w in wrong if w and w not in self.korean))


def _t(english, korean, lessons, meaning, notes="", variants=()):
    return Term(english, korean, tuple(lessons), meaning, notes, tuple(variants))


TERMS: tuple[Term, ...] = (
    # lesson 01: convolution
    _t(
        "convolutional neural network (CNN)",
        "합성곱 신경망",
        (1, 4),
        "a network built from convolution (and pooling) layers",
        variants=("컨볼루션 신경망",),
    ),
    _t(
        "convolutional layer",
        "합성곱 층",
        (1, 2, 4, 5),
        "units connected only to a small window of the previous layer",
        variants=("컨볼루션 층", "합성곱 레이어"),
    ),
    _t(
        "receptive field",
        "수용장",
        (1, 2, 3, 4, 5),
        "the input region one unit sees",
        variants=("수용 영역", "리셉티브 필드"),
    ),
    _t("filter", "필터", (1, 2, 3, 4), "the shared weights of one feature map, `(kh, kw, c_in)`"),
    _t("kernel", "커널", (1, 2, 4), "another word for filter; Keras's `kernel_size`"),
    _t(
        "feature map",
        "특성 맵",
        (1, 2, 3, 4, 5),
        "the output of one filter over the whole input",
        notes="특성맵, 특성앱",
        variants=("피처 맵", "특징 맵", "특징맵"),
    ),
    _t("weight sharing", "가중치 공유", (1,), "every unit of a feature map uses the same filter"),
    _t("bias", "편향", (1,), "one number per filter, added to its feature map"),
    _t(
        "channel",
        "채널",
        (1, 3, 4, 5),
        "one 2-D slice of a 4-D batch: a colour, or one feature map",
    ),
    _t(
        "gradient descent",
        "경사 하강법",
        (4,),
        "how filters are learned: small steps downhill on the loss",
        notes="경사하강법",
    ),
    # lesson 02: padding and strides
    _t(
        "stride",
        "스트라이드",
        (1, 2, 3, 4, 5),
        "the step between two neighbouring receptive fields",
    ),
    _t("padding", "패딩", (1, 2), "cells added around the input (`same`: zeros; `valid`: none)"),
    _t("zero padding", "제로 패딩", (2,), "padding with zeros, what Keras's `same` does"),
    _t("dilated convolution", "팽창 합성곱", (2,), "a kernel whose taps are `d` cells apart"),
    _t(
        "downsampling",
        "다운샘플링",
        (2, 3, 5),
        "making the feature maps smaller (strides or pooling)",
    ),
    # lesson 03: pooling
    _t(
        "pooling layer",
        "풀링 층",
        (2, 3, 4),
        "a layer that takes the max or mean of each window, without weights",
    ),
    _t(
        "max pooling",
        "최대 풀링",
        (3, 4),
        "keeps the largest value of each window",
        variants=("맥스 풀링",),
    ),
    _t("average pooling", "평균 풀링", (3,), "keeps the mean of each window"),
    _t("subsample", "부표본", (3,), "the smaller output a pooling layer makes"),
    _t("invariance", "불변성", (3,), "$f(\\text{shift}(x)) = f(x)$: the output does not change"),
    _t("shift (translation) invariance", "이동 불변성", (3,), "invariance to shifting the input"),
    _t(
        "equivariance",
        "등변성",
        (3,),
        "$f(\\text{shift}(x)) = \\text{shift}(f(x))$: the output moves along",
    ),
    _t(
        "semantic segmentation",
        "시맨틱 분할",
        (3,),
        "a class label for every pixel",
        notes="시맨틱 세그멘테이션",
    ),
    _t(
        "depthwise pooling",
        "깊이별 풀링",
        (3,),
        "pooling over channels: `vz.layers.DepthPool`",
        notes="깊이 방향 풀링, 깊이방향 풀링, 깊이 방향 풀링층",
    ),
    _t(
        "global average pooling",
        "전역 평균 풀링",
        (3, 5),
        "one mean per feature map: `GlobalAveragePooling2D`",
        variants=("글로벌 평균 풀링",),
    ),
    _t(
        "custom layer", "사용자 정의 층", (3,), "a `keras.layers.Layer` subclass you write yourself"
    ),
    # lesson 04: a CNN
    _t(
        "fully connected (dense) layer",
        "완전 연결 층",
        (1, 4, 5),
        "every unit connected to every input: `Dense`",
        notes="FC층",
    ),
    _t("softmax", "소프트맥스", (4,), "turns ten scores into ten probabilities"),
    _t("batch", "배치", (4, 5, 6), "the images of one gradient step"),
    _t("epoch", "에포크", (4, 5, 6), "one pass over the training set"),
    _t("training set", "훈련 세트", (4, 5), "the images the network learns from"),
    _t("validation set", "검증 세트", (4,), "held-out images for choices during development"),
    _t("test set", "테스트 세트", (4, 5), "held-out images, used once at the end"),
    _t("learning rate", "학습률", (4, 6), "the size of a gradient step"),
    _t(
        "optimizer",
        "옵티마이저",
        (4,),
        "the rule that turns gradients into steps (SGD, Nadam, AdamW)",
    ),
    _t("overfitting", "과대적합", (4, 5, 6), "doing better on the training set than on new images"),
    _t("dropout", "드롭아웃", (4, 6), "switching random units off while training"),
    _t(
        "data augmentation",
        "데이터 증식",
        (4, 5, 6),
        "random changes to training images (flips, shifts)",
    ),
    _t(
        "label smoothing",
        "레이블 스무딩",
        (4,),
        "training towards 0.9 instead of 1 for the right class",
    ),
    _t("weight decay", "가중치 감쇠", (4, 6), "shrinking weights a little at each step (AdamW)"),
    _t("confusion matrix", "오차 행렬", (4,), "counts of (true class, predicted class)"),
    _t("parameter", "파라미터", (1, 3, 4, 5), "a number the network learns (weights and biases)"),
    _t("activation maximization", "활성화 최대화", (4,), "an input optimised to excite one unit"),
    _t("Grad-CAM", "Grad-CAM", (4, 5), "a heatmap of where the evidence for a class lies"),
    _t("1×1 convolution", "1×1 합성곱", (5,), "a convolution that mixes channels at each pixel"),
    # lesson 05: ResNet
    _t("residual network (ResNet)", "잔차 네트워크", (5,), "a network built from residual units"),
    _t(
        "residual unit",
        "잔차 유닛",
        (5,),
        "two convolutions whose output is added to the unit's input",
    ),
    _t(
        "skip connection",
        "스킵 연결",
        (5,),
        "the path that carries a unit's input to the `+`",
        notes="skip connection",
    ),
    _t(
        "batch normalization",
        "배치 정규화",
        (5,),
        "normalising each channel over the batch while training",
    ),
    _t(
        "degradation problem",
        "성능 저하 문제",
        (5,),
        "deeper plain networks training *worse* than shallower ones",
    ),
    _t(
        "vanishing gradients",
        "그레이디언트 소실",
        (5,),
        "gradients shrinking on their way to the first layers",
    ),
    _t(
        "exploding gradients",
        "그레이디언트 폭주",
        (5,),
        "gradients growing on their way to the first layers",
    ),
    _t(
        "identity mapping",
        "항등 사상",
        (5,),
        "the output equals the input; a residual unit with γ = 0",
    ),
    _t(
        "effective receptive field",
        "유효 수용장",
        (5,),
        "the part of the receptive field that actually matters",
    ),
    _t(
        "class activation map",
        "클래스 활성화 맵",
        (5,),
        "CAM: a heatmap from the last feature maps and the head",
    ),
    _t(
        "learning rate schedule",
        "학습률 스케줄",
        (4, 5, 6),
        "how the learning rate changes during training",
    ),
    # lesson 06: training fast
    _t(
        "floating-point operation (FLOP)",
        "부동소수점 연산",
        (6,),
        "one multiply or add on real numbers",
    ),
    _t(
        "mixed precision",
        "혼합 정밀도",
        (6,),
        "computing in bfloat16, keeping the weights in float32",
    ),
    _t("batch size", "배치 크기", (6,), "how many images one gradient step uses"),
    _t("warm-up", "웜업", (4, 6), "raising the learning rate gradually at the start"),
    _t(
        "test-time augmentation",
        "테스트 시 데이터 증식",
        (6,),
        "averaging predictions over changed copies",
    ),
    _t("throughput", "처리량", (6,), "images per second"),
)

_HANGUL = re.compile("[가-힣]")
# The callouts quote the notes verbatim, inside “…” after a **노트:** label; those quotes
# keep the notes' own spelling and are not checked.
_QUOTE = re.compile(r"\*\*노트:\*\*\s*((?:“[^”]*”[\s…]*)+)")


_ONE_QUOTE = re.compile(r"“([^”]*)”")


def notes_quotes(text: str) -> list[str]:
    """The notes' sentences that ``text`` quotes: each “…” right after a ``**노트:**`` label.

    The same definition serves :func:`strip_quotes` (quotes keep the notes' spelling) and
    the tests that check every quote is verbatim in the notes.
    """
    return [quote for m in _QUOTE.finditer(text) for quote in _ONE_QUOTE.findall(m.group(1))]


def strip_quotes(text: str) -> str:
    """``text`` without the notes' verbatim quotes (the “…” after a ``**노트:**`` label)."""
    return _QUOTE.sub("**노트:** ", text)


def spelling_problems(text: str) -> list[tuple[str, str]]:
    """Glossary terms spelled another way in ``text``.

    Parameters
    ----------
    text : str
        Markdown or code; the notes' quoted sentences (see :func:`strip_quotes`) are
        skipped, so a quote may keep the notes' spelling.

    Returns
    -------
    list of (str, str)
        ``(wrong spelling, glossary spelling)`` pairs, in the order of :data:`TERMS`.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    checked = strip_quotes(text)
    return [
        (wrong, term.korean)
        for term in TERMS
        for wrong in term.wrong_spellings()
        if _HANGUL.search(wrong) and wrong in checked
    ]


def terms_in(text: str) -> list[Term]:
    """The glossary terms whose Korean spelling occurs in ``text`` (quotes skipped)."""
    checked = strip_quotes(text)
    found = []
    # longest first, each occurrence blanked once counted: "평균 풀링" inside "전역 평균 풀링"
    # or "배치" inside "배치 정규화" is not a use of the shorter term
    for term in sorted(TERMS, key=lambda t: -len(t.korean)):
        if _HANGUL.search(term.korean) and term.korean in checked:
            found.append(term)
            checked = checked.replace(term.korean, "\0")
    return [term for term in TERMS if term in found]


class GlossaryTable:
    """A lesson's glossary; Jupyter shows it as a Markdown table.

    Attributes
    ----------
    terms : list of Term
    lesson : int or None
    """

    def __init__(self, terms, lesson=None):
        self.terms = list(terms)
        self.lesson = lesson

    def rows(self) -> list[tuple[str, str, str]]:
        """``(한국어, English, meaning)`` per term; the notes' spelling in parentheses."""
        return [
            (
                term.korean + (f" (노트: {term.notes})" if term.notes else ""),
                term.english,
                term.meaning,
            )
            for term in self.terms
        ]

    def _repr_markdown_(self) -> str:
        lines = ["| 한국어 | English | meaning |", "| --- | --- | --- |"]
        lines += [f"| {k} | {e} | {m} |" for k, e, m in self.rows()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(f"{k} — {e}" for k, e, _ in self.rows())

    def __len__(self) -> int:
        return len(self.terms)


def table(*, lesson: int | None = None) -> GlossaryTable:
    """The glossary of one lesson (or every term, with ``lesson=None``).

    Parameters
    ----------
    lesson : int, optional
        The lesson number, 1 to 6.

    Returns
    -------
    GlossaryTable
        Shown as a Markdown table in Jupyter; ``.terms`` lists the entries.
    """
    if lesson is None:
        return GlossaryTable(TERMS)
    if isinstance(lesson, bool) or not isinstance(lesson, int):
        raise TypeError(f"lesson must be an int from {LESSONS[0]} to {LESSONS[-1]}, got {lesson!r}")
    if lesson not in LESSONS:
        raise ValueError(f"lesson must be one of {LESSONS}, got {lesson}")
    return GlossaryTable([t for t in TERMS if lesson in t.lessons], lesson=lesson)
