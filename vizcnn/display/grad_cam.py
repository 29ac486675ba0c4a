"""GradCamDisplay: each image with its Grad-CAM heatmap laid over it."""

from __future__ import annotations

import inspect
import math

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display._grid import given_axes
from vizcnn.display.images import check_class_names
from vizcnn.display.screen import screen_image
from vizcnn.language import text
from vizcnn.style import IMAGE_CMAP
from vizcnn.validation import (
    check_array,
    check_bool,
    check_images,
    check_labels,
    check_number,
    check_positive_int,
)

HEATMAP_CMAP = "inferno"
COLORBAR_LABEL = "Grad-CAM (relative)"  # in English; drawn: display.grad_cam.colorbar
_PANEL = 1.45  # inches per image: 6 images fill a notebook cell's width
_LINE = 0.17  # inches per title line
_MAX_COLUMNS = 6


class GradCamDisplay:
    """Images with their Grad-CAM heatmaps laid over them, one Axes each.

    Each panel shows the image (grey or RGB) under its heatmap (``vz.grad_cam``: where
    the evidence for the class lies, 1 = the strongest place of *that* image), titled
    with the predicted class and its probability, the true class when known, and the
    class the map explains when it is not the predicted one. One colour bar serves all
    panels: every map is scaled to its own maximum, so colours compare places within an
    image, not images.

    ``__init__`` only stores its arguments; :meth:`from_model` predicts and computes the
    maps, :meth:`from_result` draws maps already computed, and :meth:`plot` checks and
    draws.

    Parameters
    ----------
    images : array-like, shape (N, H, W, C)
        The images (``C`` = 1 drawn grey, 3 drawn RGB, any other count as the mean of
        the channels). RGB floats outside [0, 1] are rescaled per image for drawing.
    heatmaps : array-like, shape (N, h, w)
        One map per image, values in [0, 1]; stretched over the image if ``h x w``
        differs from ``H x W``.
    predicted : array-like of int, shape (N,)
        The predicted classes.
    confidence : array-like, shape (N,), optional
        The probability of each predicted class, shown in the title.
    y_true : array-like of int, shape (N,), optional
        The true classes: shown in the title, which turns red where the prediction is
        wrong.
    class_names : sequence of str, optional
        Names of the classes, indexed by class number (default: the numbers).
    class_index : array-like of int, shape (N,), optional
        The class each map explains (default: the predicted class).
    layer_name : str, optional
        The layer the maps were computed at, for the figure's title.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        ``(nrows, ncols)`` when the display made the figure, else the ``ax`` given.
        Slots without an image are hidden.
    heatmaps_, predicted_, confidence_, class_index_, y_true_
        The checked arrays (``confidence_`` and ``y_true_`` may be None); ``class_index_``
        is the class each map explains.
    images_ : list of matplotlib.image.AxesImage
        The images under the maps.
    overlays_ : list of matplotlib.image.AxesImage
        The heatmaps, one per image.
    titles_ : list of matplotlib.text.Text
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The shared colour bar, labelled "Grad-CAM (relative)".

    Examples
    --------
    >>> display = vz.GradCamDisplay.from_model(                     # doctest: +SKIP
    ...     model, x[:8], y_true=y[:8], class_names=class_names
    ... )
    >>> display.heatmaps_.shape                                      # doctest: +SKIP
    (8, 28, 28)
    """

    def __init__(
        self,
        images,
        heatmaps,
        *,
        predicted,
        confidence=None,
        y_true=None,
        class_names=None,
        class_index=None,
        layer_name: str | None = None,
    ):
        self.images = images
        self.heatmaps = heatmaps
        self.predicted = predicted
        self.confidence = confidence
        self.y_true = y_true
        self.class_names = class_names
        self.class_index = class_index
        self.layer_name = layer_name

    @classmethod
    def from_result(cls, images, heatmaps, *, predicted, **options):
        """Draw maps already computed (``vz.grad_cam``) over their images.

        ``images``, ``heatmaps``, ``predicted`` and those of ``**options`` that the class
        takes (``confidence``, ``y_true``, ``class_names``, ``class_index``,
        ``layer_name``) are the class's arguments; the other options go to :meth:`plot`.
        Raises ValueError for arrays without one entry per image, or classes outside
        ``class_names``.
        """
        own = inspect.signature(cls).parameters  # __init__'s: documented there, once
        stored = {name: options.pop(name) for name in list(options) if name in own}
        return cls(images, heatmaps, predicted=predicted, **stored).plot(**options)

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set ``heatmaps_``, ``predicted_``, ..."""
        self._pictures = check_images(self.images, "images")
        n = len(self._pictures)
        heatmaps = check_array(
            self.heatmaps, "heatmaps", ndim=3, shape_text="(N, h, w)", what="a batch of maps"
        )
        if len(heatmaps) != n:
            raise ValueError(f"heatmaps must hold one map per image ({n}), got {len(heatmaps)}")
        self.heatmaps_ = heatmaps.astype("float32")
        self.predicted_ = check_labels(self.predicted, n, "predicted")
        chosen = self.class_index
        self.class_index_ = check_labels(chosen, n, "class_index") if chosen is not None else None
        self.class_index_ = self.predicted_ if chosen is None else self.class_index_
        self.y_true_ = None if self.y_true is None else check_labels(self.y_true, n, "y_true")
        self.confidence_ = None
        if self.confidence is not None:
            confidence = check_array(self.confidence, "confidence", ndim=1, shape_text="(N,)")
            if len(confidence) != n:
                raise ValueError(
                    f"confidence must give one probability per image ({n}), got {len(confidence)}"
                )
            self.confidence_ = confidence.astype("float32")
        self.class_names_ = check_class_names(self.class_names)
        if self.class_names_ is not None:
            limit = len(self.class_names_)
            for name, labels in (
                ("predicted", self.predicted_),
                ("class_index", self.class_index_),
                ("y_true", self.y_true_),
            ):
                if labels is not None and ((labels < 0) | (labels >= limit)).any():
                    raise ValueError(
                        f"{name} holds classes outside 0..{limit - 1} "
                        f"(class_names names {limit} classes): {sorted(set(labels.tolist()))}"
                    )

    @classmethod
    def from_model(
        cls,
        model,
        x,
        layer=None,
        *,
        y_true=None,
        class_names=None,
        class_index=None,
        alpha: float = 0.5,
        ncols: int | None = None,
        batch_size: int = 128,
        **plot_kwargs,
    ):
        """Predict, compute the Grad-CAM maps of ``x`` and draw them.

        Parameters
        ----------
        model : keras.Model
            A classifier with one output: ``(N, n_classes)`` (probabilities; raw scores
            are turned into probabilities with a softmax for the titles), or a binary
            head ``(N, 1)`` (sigmoid or logit): two classes, 1 where ``p >= 0.5``,
            titled with the probability of the class predicted.
        x : array-like, shape (N, H, W, C)
            The images, as the model takes them (6 to 12 make a readable figure).
        y_true : array-like of int, shape (N,), optional
            The true classes, for the titles.
        class_names : sequence of str, optional
            One name per class of the model (two for a binary head: class 0, class 1).
        layer, class_index
            Passed to :func:`vz.grad_cam` (default: :func:`vz.inspection.grad_cam.grad_cam_layer`,
            the last layer with a grid larger than 1x1, named in the figure's title; the
            predicted class).
        alpha : float, default=0.5
            Opacity of the heatmaps.
        ncols : int, optional
            Images per row.
        batch_size : int, default=128
        **plot_kwargs
            Passed to :meth:`plot` (``ax``, ``cmap``, ``colorbar``).

        Returns
        -------
        GradCamDisplay

        Raises
        ------
        ValueError
            A model with several outputs (before any TensorFlow work), or one that is no
            classifier; ``y_true`` or ``class_names`` not matching the model's classes.
        """
        from vizcnn.graph.lookup import path_key
        from vizcnn.inspection.grad_cam import check_grad_cam_input, grad_cam_of
        from vizcnn.prediction import class_count, classify
        from vizcnn.validation import check_batch

        check_axes(plot_kwargs.get("ax"))  # its kind first, before any TensorFlow work
        batch_size = check_positive_int(batch_size, "batch_size")
        check_number(alpha, "alpha", minimum=0, maximum=1)
        x = check_batch(model, x)
        n = len(x)
        check_axes(plot_kwargs.get("ax"), count=n)
        if y_true is not None:
            y_true = check_labels(y_true, n, "y_true")
        names = check_class_names(class_names)
        n_classes = class_count(model, caller="GradCamDisplay")
        if names is not None and len(names) != n_classes:
            raise ValueError(
                f"class_names must name the model's {n_classes} classes, got {len(names)} names"
            )
        if y_true is not None and ((y_true < 0) | (y_true >= n_classes)).any():
            raise ValueError(f"y_true holds classes outside 0..{n_classes - 1}")
        # checked (the model walked at x's size) once, before the prediction runs it
        checked = check_grad_cam_input(model, x, layer=layer)
        prediction = classify(model, x, batch_size=batch_size)
        predicted = prediction.classes
        heatmaps = grad_cam_of(
            checked,
            class_index=predicted if class_index is None else class_index,
            batch_size=batch_size,
        )
        explained = predicted if class_index is None else np.broadcast_to(class_index, (n,))
        # the default layer as vz.grad_cam_layer names it; a layer asked for by its name
        layer_name = path_key(checked.path) if layer is None else checked.path[-1].name
        return cls.from_result(
            x,
            heatmaps,
            predicted=predicted,
            confidence=prediction.confidence,
            y_true=y_true,
            class_names=names,
            class_index=np.asarray(explained, dtype="int64"),
            layer_name=layer_name,
            alpha=alpha,
            ncols=ncols,
            **plot_kwargs,
        )

    def plot(
        self,
        *,
        ax=None,
        alpha: float = 0.5,
        ncols: int | None = None,
        cmap=HEATMAP_CMAP,
        colorbar: bool = True,
    ):
        """Draw the images and their heatmaps.

        Parameters
        ----------
        ax : array-like of matplotlib.axes.Axes, optional
            Axes to draw into, at least one per image; a new figure when None.
        alpha : float, default=0.5
            Opacity of the heatmaps, in [0, 1].
        ncols : int, optional
            Images per row (ignored with ``ax``). Default: up to 6 per row, in rows of
            equal length.
        cmap : str or matplotlib.colors.Colormap, default="inferno"
            The heatmaps' colour map ("jet" is the paper's).
        colorbar : bool, default=True
            Add the one colour bar shared by all panels.

        Returns
        -------
        self
        """
        alpha, colorbar = self._checked(alpha, colorbar)
        n = len(self._pictures)
        titles = [self._title(i) for i in range(n)]
        if ax is None:
            if ncols is None:
                ncols = math.ceil(n / math.ceil(n / _MAX_COLUMNS))
            ncols = check_positive_int(ncols, "ncols")
            self.figure_, self.axes_ = self._new_figure(ncols, titles, colorbar)
        else:
            self.figure_, self.axes_ = given_axes(ax, n)
        self.images_, self.overlays_, self.titles_ = [], [], []
        used = []
        for i, axes in enumerate(self.axes_.flat):
            if i >= n:
                axes.set_visible(False)  # an empty slot of the grid
                continue
            picture = screen_image(self._pictures[i])
            height, width = picture.shape[:2]
            extent = (-0.5, width - 0.5, height - 0.5, -0.5)
            grey = picture.ndim == 2
            self.images_.append(
                axes.imshow(picture, cmap=IMAGE_CMAP if grey else None, interpolation="nearest")
            )
            self.overlays_.append(
                axes.imshow(
                    self.heatmaps_[i],
                    cmap=cmap,
                    vmin=0.0,
                    vmax=1.0,
                    alpha=alpha,
                    extent=extent,
                    interpolation="bilinear",
                )
            )
            self._add_title(axes, i, titles[i])
            axes.set_axis_off()
            used.append(axes)
        colorbar = dict(shrink=0.8, fraction=0.05, pad=0.02) if colorbar else None
        self._finish(own_figure=ax is None, used=used, cmap=cmap, colorbar=colorbar)
        return self

    # -- shared with WaveformGradCamDisplay: the panels differ, not their frame -----------

    def _checked(self, alpha, colorbar) -> tuple[float, bool]:
        """Check what ``__init__`` stored, then ``plot``'s ``alpha`` and ``colorbar``."""
        self._check()
        return (
            check_number(alpha, "alpha", minimum=0, maximum=1),
            check_bool(colorbar, "colorbar"),
        )

    def _add_title(self, axes, i: int, title: str, **where) -> None:
        """Title panel ``i``, in red where the prediction is wrong; kept in ``titles_``."""
        drawn = axes.set_title(title, fontsize=8, **where)
        if self.y_true_ is not None and self.y_true_[i] != self.predicted_[i]:
            drawn.set_color("tab:red")
        self.titles_.append(drawn)

    def _finish(self, *, own_figure: bool, used, cmap, colorbar) -> None:
        """The one colour bar of every panel in ``used`` (``colorbar``: where it goes, as
        ``Figure.colorbar``'s options, or None for none) and, on a figure of its own, the
        layer's title. Sets ``colorbar_``."""
        import matplotlib as mpl

        self.colorbar_ = None
        if colorbar is not None:
            scale = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0.0, 1.0), cmap=cmap)
            self.colorbar_ = self.figure_.colorbar(scale, ax=used, **colorbar)
            self.colorbar_.set_label(text("display.grad_cam.colorbar"), fontsize=8)
            self.colorbar_.ax.tick_params(labelsize=7)
        if own_figure and self.layer_name:
            self.figure_.suptitle(text("display.grad_cam.layer", layer=self.layer_name), fontsize=9)

    def _name(self, label) -> str:
        label = int(label)
        return self.class_names_[label] if self.class_names_ is not None else str(label)

    def _title(self, i: int) -> str:
        lines = []
        if self.y_true_ is not None:
            lines.append(text("display.grad_cam.true", name=self._name(self.y_true_[i])))
        predicted = text("display.grad_cam.predicted", name=self._name(self.predicted_[i]))
        if self.confidence_ is not None:
            predicted += f" ({self.confidence_[i]:.2f})"
        lines.append(predicted)
        if self.class_index_[i] != self.predicted_[i]:
            lines.append(text("display.grad_cam.map_for", name=self._name(self.class_index_[i])))
        return "\n".join(lines)

    def _new_figure(self, ncols: int, titles, colorbar: bool):
        import matplotlib.pyplot as plt

        n = len(self._pictures)
        nrows = math.ceil(n / ncols)
        height, width = self._pictures.shape[1:3]
        aspect = min(max(height / width, 0.5), 2.0)
        title = _LINE * max(t.count("\n") + 1 for t in titles) + 0.08
        row_heights = _PANEL * aspect + title
        figsize = (ncols * _PANEL + (0.8 if colorbar else 0.1), nrows * row_heights + 0.3)
        figure, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(round(figsize[0], 2), round(figsize[1], 2)),
            squeeze=False,
            layout="constrained",
        )
        return figure, axes
