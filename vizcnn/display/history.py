"""HistoryDisplay: learning curves of one or more training runs, on shared axes."""

from __future__ import annotations

import numbers

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.language import text
from vizcnn.validation import check_one_of, check_positive_int

#: What the x axis can count, and its English label (the drawn one is the message
#: ``display.history.x.<what>`` in the lesson's language).
X_LABELS = {"epoch": "epoch", "minutes": "minutes of training", "steps": "optimizer steps"}

#: Keys of a dict history that describe the run rather than hold a metric.
RUN_KEYS = ("epoch_seconds", "steps_per_epoch")


def _values(history):
    """The ``{key: values}`` dict of a Keras History, a TrainingResult or a dict."""
    return getattr(history, "history", history)  # keras History / vizcnn TrainingResult


def _as_history(name, history) -> dict[str, np.ndarray]:
    """``{metric: per-epoch values}`` from a Keras History, a TrainingResult or a dict.

    The run keys of a dict (:data:`RUN_KEYS`) are no metrics and are left out; see
    :func:`_run_facts`.
    """
    values = _values(history)
    if not isinstance(values, dict):
        raise TypeError(
            f"histories[{name!r}] must be a Keras History or a dict of per-epoch lists, "
            f"got {type(history).__name__}"
        )
    out = {}
    for metric, series in values.items():
        if metric in RUN_KEYS:
            continue
        where = f"histories[{name!r}][{metric!r}]"
        try:
            arr = np.asarray(series)
        except (TypeError, ValueError):  # ragged nested lists
            arr = np.asarray([None])
        if arr.dtype.kind not in "biuf":  # strings, None, objects: no per-epoch numbers
            shown = repr(series)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise TypeError(f"{where} must be a list of numbers, one per epoch, got {shown}")
        arr = arr.astype("float64")
        if arr.ndim != 1:
            raise ValueError(
                f"{where} must be a 1-D list of per-epoch values, got shape {arr.shape}"
            )
        if arr.size == 0:
            raise ValueError(f"{where} is empty: the run has no epochs to draw")
        out[str(metric)] = arr
    if not out:
        raise ValueError(f"histories[{name!r}] holds no metrics")
    return out


def _epoch_seconds(name, history) -> np.ndarray | None:
    """The wall time of each epoch: ``history.epoch_seconds`` (a TrainingResult) or the
    dict's ``"epoch_seconds"`` key; ``None`` when the run has neither."""
    seconds = getattr(history, "epoch_seconds", None)
    where = f"histories[{name!r}].epoch_seconds"
    if seconds is None:
        values = _values(history)
        seconds = values.get("epoch_seconds") if isinstance(values, dict) else None
        where = f"histories[{name!r}]['epoch_seconds']"
    if seconds is None:
        return None
    try:
        arr = np.asarray(seconds, dtype="float64")
    except (TypeError, ValueError):
        raise TypeError(
            f"{where} must be a list of seconds, one per epoch, got {type(seconds).__name__}"
        ) from None
    if arr.ndim != 1:
        raise ValueError(f"{where} must be a 1-D list of seconds per epoch, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{where} must hold finite, non-negative seconds, got {arr.tolist()}")
    return arr


def _epochs_run(history) -> float | None:
    """Epochs run, fractional when a time budget cut the last one short (a TrainingResult's
    ``images / train_size``); ``None`` when unknown."""
    images = getattr(history, "images", None)
    size = getattr(history, "train_size", None)
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (images, size)):
        return None
    if size <= 0 or images < 0:
        return None
    return float(images) / float(size)


def _steps_per_epoch(histories: dict, names: list[str], given) -> dict[str, int]:
    """``{run: steps per epoch}`` from ``given`` (an int or a dict run -> int), falling back
    on each dict history's ``"steps_per_epoch"`` key, then on a Keras History's
    ``params["steps"]``."""
    out = {}
    for name, history in zip(names, histories.values(), strict=True):
        params = getattr(history, "params", None)  # an int (parameter count) on a TrainingResult
        if isinstance(params, dict) and isinstance(params.get("steps"), numbers.Integral):
            if params["steps"] > 0 and not isinstance(params["steps"], bool):
                out[name] = int(params["steps"])
        values = _values(history)
        if isinstance(values, dict) and values.get("steps_per_epoch") is not None:
            out[name] = check_positive_int(
                values["steps_per_epoch"], f"histories[{name!r}]['steps_per_epoch']"
            )
    if given is None:
        return out
    if isinstance(given, dict):
        unknown = [str(k) for k in given if str(k) not in names]
        if unknown:
            raise ValueError(f"steps_per_epoch names unknown runs {unknown}; runs: {names}")
        for key, value in given.items():
            out[str(key)] = check_positive_int(value, f"steps_per_epoch[{key!r}]")
        return out
    if isinstance(given, numbers.Integral) and not isinstance(given, bool):
        steps = check_positive_int(given, "steps_per_epoch")
        return dict.fromkeys(names, steps)
    raise TypeError(
        "steps_per_epoch must be an int (every run) or a dict run name -> int, got "
        f"{type(given).__name__} {given!r}"
    )


class HistoryDisplay:
    """Per-epoch curves (training solid, validation dashed) of several runs.

    Each point sits at the end of its epoch, on an x axis that counts epochs, minutes of
    training or optimizer steps (see :meth:`plot`).

    Parameters
    ----------
    histories : dict[str, dict[str, array-like]]
        Run name -> ``{metric: per-epoch values}``, as in ``keras.callbacks.History.history``.
    timings : dict[str, array-like], optional
        Run name -> wall time of each epoch in seconds (needed for ``x="minutes"``).
    steps_per_epoch : dict[str, int], optional
        Run name -> optimizer steps of a full epoch (needed for ``x="steps"``).
    epochs_run : dict[str, float], optional
        Run name -> epochs run, fractional when the last epoch was cut short (then it
        counts for that share of ``steps_per_epoch``).

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : np.ndarray of Axes, one per metric
    lines_ : dict[(run, key), Line2D]
        Every drawn curve, e.g. ``lines_["CNN", "val_accuracy"]``.
    x_ : {"epoch", "minutes", "steps"}
        What the x axis counts.
    """

    def __init__(self, histories, *, timings=None, steps_per_epoch=None, epochs_run=None):
        self.histories = histories
        self.timings = {} if timings is None else dict(timings)
        self.steps_per_epoch = {} if steps_per_epoch is None else dict(steps_per_epoch)
        self.epochs_run = {} if epochs_run is None else dict(epochs_run)

    @classmethod
    def from_histories(cls, histories, *, steps_per_epoch=None, **plot_kwargs):
        """Draw the curves of ``{"name": history, ...}``.

        Parameters
        ----------
        histories : dict[str, keras.callbacks.History or dict or TrainingResult]
            Anything with a ``.history`` dict, or the dict itself. A
            :class:`~vizcnn.course.training.TrainingResult` brings its ``epoch_seconds``; a dict
            may hold an ``"epoch_seconds"`` list (seconds per epoch) and a
            ``"steps_per_epoch"`` int, which are not drawn as metrics.
        steps_per_epoch : int or dict[str, int], optional
            Optimizer steps of a full epoch, for ``x="steps"``: one int for every run, or
            run name -> int. Overrides a history's ``"steps_per_epoch"`` key, which
            overrides a Keras History's ``params["steps"]``.
        **plot_kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        HistoryDisplay
        """
        if not isinstance(histories, dict):
            raise TypeError(
                "histories must be a dict such as {'CNN': history}, got "
                f"{type(histories).__name__}"
            )
        if not histories:
            raise ValueError("histories is empty: give at least one, e.g. {'CNN': history}")
        parsed = {str(name): _as_history(name, h) for name, h in histories.items()}
        names = list(parsed)
        timings, epochs_run = {}, {}
        for name, history in zip(names, histories.values(), strict=True):
            seconds = _epoch_seconds(name, history)
            if seconds is not None:
                timings[name] = seconds
            done = _epochs_run(history)
            if done is not None:
                epochs_run[name] = done
        steps = _steps_per_epoch(histories, names, steps_per_epoch)
        return cls.from_result(
            parsed, timings=timings, steps_per_epoch=steps, epochs_run=epochs_run, **plot_kwargs
        )

    @classmethod
    def from_result(
        cls, histories, *, timings=None, steps_per_epoch=None, epochs_run=None, **plot_kwargs
    ):
        """Draw curves already read: ``{name: {metric: values}}`` and, per name, the
        seconds of each epoch (``timings``), the steps of a full epoch and the epochs
        run (see the class); ``**plot_kwargs`` go to :meth:`plot`."""
        display = cls(
            histories, timings=timings, steps_per_epoch=steps_per_epoch, epochs_run=epochs_run
        )
        return display.plot(**plot_kwargs)

    def _x_values(self, name: str, n: int, x: str) -> np.ndarray:
        """Where the ``n`` epochs of run ``name`` end, counted as ``x``."""
        if x == "epoch":
            return np.arange(1, n + 1)
        if x == "minutes":
            seconds = self.timings.get(name)
            if seconds is None:
                raise ValueError(
                    f"x='minutes' needs the wall time of each epoch, but run {name!r} has "
                    "none: pass a vizcnn TrainingResult, or add an 'epoch_seconds' list "
                    "(seconds per epoch) to its history dict"
                )
            seconds = np.asarray(seconds, dtype="float64")
            if len(seconds) < n:
                raise ValueError(
                    f"x='minutes': run {name!r} has {n} epochs but {len(seconds)} "
                    "epoch_seconds; give one per epoch"
                )
            return np.cumsum(seconds[:n]) / 60
        steps = self.steps_per_epoch.get(name)
        if steps is None:
            raise ValueError(
                f"x='steps' needs the optimizer steps per epoch of run {name!r}: pass "
                "from_histories(..., steps_per_epoch=...) (an int, or a dict run name -> int) "
                "or add a 'steps_per_epoch' key to its history dict"
            )
        per_epoch = np.full(n, float(steps))
        done = self.epochs_run.get(name)
        if done is not None and n - 1 < done < n:  # a time budget cut the last epoch short
            per_epoch[-1] = max(1.0, np.floor((done - (n - 1)) * steps + 1e-6))
        return np.cumsum(per_epoch)

    def plot(self, *, ax=None, metrics=("loss", "accuracy"), title: str | None = None, x="epoch"):
        """Draw one panel per metric: ``metric`` solid, ``val_metric`` dashed.

        Parameters
        ----------
        ax : Axes or sequence of Axes, optional
            One Axes per metric; new ones are made if omitted.
        metrics : str or sequence of str, default=("loss", "accuracy")
            Training metric names (their ``val_`` twins are drawn when present).
        title : str, optional
            Figure title.
        x : {"epoch", "minutes", "steps"}, default="epoch"
            What the x axis counts at the end of each epoch:

            - ``"epoch"``: the epoch number, 1, 2, ...
            - ``"minutes"``: cumulative wall-clock minutes, from each run's
              ``epoch_seconds`` (validation included); a partial last epoch is drawn at
              its true time.
            - ``"steps"``: cumulative optimizer steps, from each run's
              ``steps_per_epoch``; a TrainingResult's partial last epoch counts the share
              of the training set it saw.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If a run lacks the timings (``x="minutes"``) or steps per epoch (``x="steps"``)
            that ``x`` needs; the message names the run.
        """
        import matplotlib.pyplot as plt

        x = check_one_of(x, "x", tuple(X_LABELS))
        if isinstance(metrics, str):
            metrics = (metrics,)
        metrics = tuple(metrics)
        if not metrics:
            raise ValueError("metrics must name at least one metric, e.g. ('loss', 'accuracy')")
        known = sorted({m.removeprefix("val_") for h in self.histories.values() for m in h})
        missing = [
            m
            for m in metrics
            if not any(m in h or f"val_{m}" in h for h in self.histories.values())
        ]
        if missing:
            raise ValueError(f"metrics {missing} are in no history; available: {known}")
        # every x before any drawing, so that a run without timings leaves no figure behind
        xs = {
            (name, key): self._x_values(name, len(history[key]), x)
            for metric in metrics
            for name, history in self.histories.items()
            for key in (metric, f"val_{metric}")
            if key in history
        }
        if ax is None:
            fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5))
            axes = np.atleast_1d(axes)
        else:
            axes = check_axes(ax, count=len(metrics), exact=True, per="metric").ravel()
            fig = axes[0].figure
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.lines_ = {}
        for panel, metric in zip(axes, metrics, strict=True):
            for i, (name, history) in enumerate(self.histories.items()):
                color = colors[i % len(colors)]
                for key, style, label in (
                    (metric, "-", text("display.history.train", name=name)),
                    (f"val_{metric}", "--", text("display.history.validation", name=name)),
                ):
                    if key in history:
                        (line,) = panel.plot(
                            xs[name, key], history[key], style, color=color, label=label
                        )
                        self.lines_[name, key] = line
            panel.set_xlabel(text(f"display.history.x.{x}"))
            panel.set_ylabel(metric)
            panel.set_title(metric)
            if x == "epoch":
                panel.xaxis.get_major_locator().set_params(integer=True)
            panel.legend(fontsize=8)
        if title:
            fig.suptitle(title)
        self.figure_, self.axes_, self.x_ = fig, axes, x
        return self
