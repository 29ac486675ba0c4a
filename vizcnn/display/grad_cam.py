"""GradCamDisplay: each image with its Grad-CAM heatmap laid over it."""

from __future__ import annotations

import math

import numpy as np

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
COLORBAR_LABEL = "Grad-CAM (relative)"
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
    heatmaps_ : numpy.ndarray, shape (N, h, w)
    predicted_ : numpy.ndarray of int, shape (N,)
    confidence_ : numpy.ndarray, shape (N,), or None
    class_index_ : numpy.ndarray of int, shape (N,)
        The class each map explains.
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
        self.images = check_images(images, "images")
        n = len(self.images)
        heatmaps = check_array(
            heatmaps, "heatmaps", ndim=3, shape_text="(N, h, w)", what="a batch of maps"
        )
        if len(heatmaps) != n:
            raise ValueError(f"heatmaps must hold one map per image ({n}), got {len(heatmaps)}")
        self.heatmaps_ = heatmaps.astype("float32")
        self.predicted_ = check_labels(predicted, n, "predicted")
        self.class_index_ = (
            self.predicted_ if class_index is None else check_labels(class_index, n, "class_index")
        )
        self.y_true = None if y_true is None else check_labels(y_true, n, "y_true")
        if confidence is None:
            self.confidence_ = None
        else:
            confidence = check_array(confidence, "confidence", ndim=1, shape_text="(N,)")
            if len(confidence) != n:
                raise ValueError(
                    f"confidence must give one probability per image ({n}), got {len(confidence)}"
                )
            self.confidence_ = confidence.astype("float32")
        self.class_names = _check_class_names(class_names)
        if self.class_names is not None:
            limit = len(self.class_names)
            for name, labels in (
                ("predicted", self.predicted_),
                ("class_index", self.class_index_),
                ("y_true", self.y_true),
            ):
                if labels is not None and ((labels < 0) | (labels >= limit)).any():
                    raise ValueError(
                        f"{name} holds classes outside 0..{limit - 1} "
                        f"(class_names names {limit} classes): {sorted(set(labels.tolist()))}"
                    )
        self.layer_name = layer_name

    @classmethod
    def from_model(
        cls,
        model,
        x,
        *,
        y_true=None,
        class_names=None,
        layer=None,
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
            A classifier returning ``(N, n_classes)`` (probabilities; raw scores are
            turned into probabilities with a softmax for the titles).
        x : array-like, shape (N, H, W, C)
            The images, as the model takes them (6 to 12 make a readable figure).
        y_true : array-like of int, shape (N,), optional
            The true classes, for the titles.
        class_names : sequence of str, optional
            One name per class of the model.
        layer, class_index
            Passed to :func:`vz.grad_cam` (default: the last 4-D layer, the predicted
            class).
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
        """
        from vizcnn.inspection import find_layer, grad_cam
        from vizcnn.validation import check_batch

        batch_size = check_positive_int(batch_size, "batch_size")
        x = check_batch(model, x)
        n = len(x)
        if y_true is not None:
            y_true = check_labels(y_true, n, "y_true")
        names = _check_class_names(class_names)
        outputs = [
            np.asarray(model(x[i : i + batch_size], training=False), dtype="float32")
            for i in range(0, n, batch_size)
        ]
        scores = np.concatenate(outputs)
        if scores.ndim != 2:
            raise ValueError(
                f"GradCamDisplay needs a classifier: model {model.name!r} returns shape "
                f"{scores.shape[1:]} per image, not (n_classes,)"
            )
        n_classes = scores.shape[1]
        if names is not None and len(names) != n_classes:
            raise ValueError(
                f"class_names must name the model's {n_classes} classes, got {len(names)} names"
            )
        if y_true is not None and ((y_true < 0) | (y_true >= n_classes)).any():
            raise ValueError(f"y_true holds classes outside 0..{n_classes - 1}")
        proba = scores if _are_probabilities(scores) else _softmax(scores)
        predicted = proba.argmax(axis=-1)
        heatmaps = grad_cam(
            model,
            x,
            layer=layer,
            class_index=predicted if class_index is None else class_index,
            batch_size=batch_size,
        )
        explained = predicted if class_index is None else np.broadcast_to(class_index, (n,))
        layer_name = None if layer is None else find_layer(model, layer)[-1].name
        display = cls(
            x,
            heatmaps,
            predicted=predicted,
            confidence=proba[np.arange(n), predicted],
            y_true=y_true,
            class_names=names,
            class_index=np.asarray(explained, dtype="int64"),
            layer_name=layer_name,
        )
        return display.plot(alpha=alpha, ncols=ncols, **plot_kwargs)

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
        import matplotlib as mpl

        n = len(self.images)
        alpha = check_number(alpha, "alpha", minimum=0, maximum=1)
        colorbar = check_bool(colorbar, "colorbar")
        titles = [self._title(i) for i in range(n)]
        if ax is None:
            if ncols is None:
                ncols = math.ceil(n / math.ceil(n / _MAX_COLUMNS))
            ncols = check_positive_int(ncols, "ncols")
            self.figure_, self.axes_ = self._new_figure(ncols, titles, colorbar)
        else:
            self.axes_ = np.asarray(ax, dtype=object)
            if self.axes_.size < n:
                raise ValueError(
                    f"ax must hold at least {n} Axes (one per image), got {self.axes_.size}"
                )
            self.figure_ = self.axes_.flat[0].figure
        self.images_, self.overlays_, self.titles_ = [], [], []
        used = []
        for i, axes in enumerate(self.axes_.flat):
            if i >= n:
                axes.set_visible(False)  # an empty slot of the grid
                continue
            picture = _drawable(self.images[i])
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
            wrong = self.y_true is not None and self.y_true[i] != self.predicted_[i]
            title = axes.set_title(titles[i], fontsize=8)
            if wrong:
                title.set_color("tab:red")
            self.titles_.append(title)
            axes.set_axis_off()
            used.append(axes)
        self.colorbar_ = None
        if colorbar:
            scale = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0.0, 1.0), cmap=cmap)
            self.colorbar_ = self.figure_.colorbar(
                scale, ax=used, shrink=0.8, fraction=0.05, pad=0.02, label=COLORBAR_LABEL
            )
            self.colorbar_.set_label(COLORBAR_LABEL, fontsize=8)
            self.colorbar_.ax.tick_params(labelsize=7)
        if ax is None and self.layer_name:
            self.figure_.suptitle(f"Grad-CAM at layer {self.layer_name!r}", fontsize=9)
        return self

    def _name(self, label) -> str:
        label = int(label)
        return self.class_names[label] if self.class_names is not None else str(label)

    def _title(self, i: int) -> str:
        lines = []
        if self.y_true is not None:
            lines.append(f"true: {self._name(self.y_true[i])}")
        predicted = f"pred: {self._name(self.predicted_[i])}"
        if self.confidence_ is not None:
            predicted += f" ({self.confidence_[i]:.2f})"
        lines.append(predicted)
        if self.class_index_[i] != self.predicted_[i]:
            lines.append(f"map for: {self._name(self.class_index_[i])}")
        return "\n".join(lines)

    def _new_figure(self, ncols: int, titles, colorbar: bool):
        import matplotlib.pyplot as plt

        n = len(self.images)
        nrows = math.ceil(n / ncols)
        height, width = self.images.shape[1:3]
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


def _drawable(image: np.ndarray) -> np.ndarray:
    """One image as matplotlib draws it: 2-D grey, or RGB in [0, 1] (or uint8)."""
    channels = image.shape[-1]
    if channels == 1:
        return image[..., 0]
    if channels != 3:
        return image.mean(axis=-1)
    if image.dtype == np.uint8:
        return image
    image = image.astype("float32")
    low, high = float(image.min()), float(image.max())
    if low < 0 or high > 1:  # e.g. standardised pixels: rescale for drawing only
        image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image


def _check_class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)) or not isinstance(
        class_names, (list, tuple, np.ndarray)
    ):
        raise TypeError(
            f"class_names must be a sequence of str, one per class, got "
            f"{type(class_names).__name__}"
        )
    if len(class_names) == 0:
        raise ValueError("class_names is empty: give one name per class")
    return [str(name) for name in class_names]


def _are_probabilities(scores: np.ndarray) -> bool:
    return bool(
        (scores >= 0).all() and (scores <= 1).all() and np.allclose(scores.sum(-1), 1, atol=1e-3)
    )


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
