"""HistoryDisplay: learning curves of one or more training runs, on shared axes."""

from __future__ import annotations

import numpy as np


def _as_history(name, history) -> dict[str, np.ndarray]:
    """``{metric: per-epoch values}`` from a Keras History, a TrainingResult or a dict."""
    values = getattr(history, "history", history)  # keras History / vizcnn TrainingResult
    if not isinstance(values, dict):
        raise TypeError(
            f"histories[{name!r}] must be a Keras History or a dict of per-epoch lists, "
            f"got {type(history).__name__}"
        )
    out = {}
    for metric, series in values.items():
        arr = np.asarray(series, dtype="float64")
        if arr.ndim != 1:
            raise ValueError(
                f"histories[{name!r}][{metric!r}] must be a 1-D list of per-epoch values, "
                f"got shape {arr.shape}"
            )
        out[str(metric)] = arr
    if not out:
        raise ValueError(f"histories[{name!r}] holds no metrics")
    return out


class HistoryDisplay:
    """Per-epoch curves (training solid, validation dashed) of several runs.

    Parameters
    ----------
    histories : dict[str, dict[str, array-like]]
        Run name -> ``{metric: per-epoch values}``, as in ``keras.callbacks.History.history``.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : np.ndarray of Axes, one per metric
    lines_ : dict[(run, key), Line2D]
        Every drawn curve, e.g. ``lines_["CNN", "val_accuracy"]``.
    """

    def __init__(self, histories):
        self.histories = histories

    @classmethod
    def from_histories(cls, histories, **plot_kwargs):
        """Draw the curves of ``{"name": history, ...}``.

        Parameters
        ----------
        histories : dict[str, keras.callbacks.History or dict or TrainingResult]
            Anything with a ``.history`` dict, or the dict itself.
        **plot_kwargs
            Passed to :meth:`plot`.
        """
        if not isinstance(histories, dict):
            raise TypeError(
                "histories must be a dict such as {'CNN': history}, got "
                f"{type(histories).__name__}"
            )
        if not histories:
            raise ValueError("histories is empty: give at least one, e.g. {'CNN': history}")
        parsed = {str(name): _as_history(name, h) for name, h in histories.items()}
        return cls(parsed).plot(**plot_kwargs)

    def plot(self, *, ax=None, metrics=("loss", "accuracy"), title: str | None = None):
        """Draw one panel per metric: ``metric`` solid, ``val_metric`` dashed.

        Parameters
        ----------
        ax : Axes or sequence of Axes, optional
            One Axes per metric; new ones are made if omitted.
        metrics : str or sequence of str, default=("loss", "accuracy")
            Training metric names (their ``val_`` twins are drawn when present).
        title : str, optional
            Figure title.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

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
        if ax is None:
            fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5))
            axes = np.atleast_1d(axes)
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object))
            if axes.size != len(metrics):
                raise ValueError(
                    f"ax must hold one Axes per metric ({len(metrics)}), got {axes.size}"
                )
            fig = axes[0].figure
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.lines_ = {}
        for panel, metric in zip(axes, metrics, strict=True):
            for i, (name, history) in enumerate(self.histories.items()):
                color = colors[i % len(colors)]
                for key, style, label in (
                    (metric, "-", f"{name} train"),
                    (f"val_{metric}", "--", f"{name} validation"),
                ):
                    if key in history:
                        epochs = np.arange(1, len(history[key]) + 1)
                        (line,) = panel.plot(epochs, history[key], style, color=color, label=label)
                        self.lines_[name, key] = line
            panel.set_xlabel("epoch")
            panel.set_ylabel(metric)
            panel.set_title(metric)
            panel.xaxis.get_major_locator().set_params(integer=True)
            panel.legend(fontsize=8)
        if title:
            fig.suptitle(title)
        self.figure_, self.axes_ = fig, axes
        return self
