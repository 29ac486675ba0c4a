"""What a channel responds to, drawn: the images that excite it most (with the patch its
strongest unit sees boxed), and the images gradient ascent builds for it.

- :class:`TopPatchesDisplay` draws :func:`vizcnn.top_activating_patches`;
- :class:`ActivationMaximizationDisplay` draws :func:`vizcnn.activation_maximization`,
  one image per channel.

Both draw one Axes per image through :class:`~vizcnn.display.images.ImageGridDisplay`:
grey images in ``"gray"`` on a fixed scale, RGB images as RGB.
"""

from __future__ import annotations

import math

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display.images import ImageGridDisplay
from vizcnn.display.screen import screen_image
from vizcnn.inspection.activation_max import VALUE_RANGE, channel_list
from vizcnn.language import text
from vizcnn.validation import check_images, check_int, check_value_range

__all__ = ["ActivationMaximizationDisplay", "TopPatchesDisplay"]

_THUMBNAIL = 1.6  # inches per image
_TITLE = 0.4  # inches the figure grows by per line of its overall title


class TopPatchesDisplay:
    """The ``k`` images that excite one channel most, its strongest unit's field boxed.

    Each image is drawn whole, with a rectangle around the receptive field of the unit
    where the channel peaks on it, and titled with that peak (the score) and the image's
    index in ``x``.

    Parameters
    ----------
    result : TopPatches
        What :func:`vizcnn.top_activating_patches` returned.
    x : array-like, shape (N, H, W, C)
        The images it was computed on (only ``x[result.indices]`` is drawn).

    Attributes
    ----------
    images_ : numpy.ndarray, shape (k, H, W, C)
        The images drawn, ``x[result.indices]``.
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        ``(nrows, ncols)`` when the display made the figure, else the ``ax`` given; slots
        without an image are hidden.
    rectangles_ : list of matplotlib.patches.Rectangle
        One per image, in order: the receptive-field boxes.
    titles_ : list of matplotlib.text.Text
        One per image.

    Examples
    --------
    >>> vz.TopPatchesDisplay.from_model(model, X_valid, "conv2d_1", 5)   # doctest: +SKIP
    """

    def __init__(self, result, x):
        self.result = result
        self.x = x

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set ``images`` (the images drawn)."""
        from vizcnn.inspection.top_patches import TopPatches

        result = self.result
        if not isinstance(result, TopPatches):
            raise TypeError(
                "result must be what vz.top_activating_patches returns (TopPatches), "
                f"got {type(result).__name__}"
            )
        x = check_images(self.x, "x")
        if int(np.max(result.indices)) >= len(x):
            raise ValueError(
                f"x holds {len(x)} images but result refers to image "
                f"{int(np.max(result.indices))}: pass the x the result was computed on"
            )
        height, width = x.shape[1:3]
        if (result.boxes[:, 2] > height).any() or (result.boxes[:, 3] > width).any():
            raise ValueError(
                f"x has images of {height}x{width} pixels, smaller than result's boxes: "
                "pass the x the result was computed on"
            )
        self.images_ = x[result.indices]

    @classmethod
    def from_model(cls, model, x, layer, channel, *, k: int = 9, batch_size: int = 256, **plot):
        """Find and draw the ``k`` images of ``x`` that excite ``channel`` of ``layer`` most.

        Parameters
        ----------
        model, x, layer, channel, k, batch_size
            As for :func:`vizcnn.top_activating_patches`.
        **plot
            Passed to :meth:`plot`.
        """
        from vizcnn.inspection.top_patches import top_activating_patches

        check_axes(plot.get("ax"))  # before any TensorFlow work
        result = top_activating_patches(model, x, layer, channel, k=k, batch_size=batch_size)
        return cls.from_result(result, x, **plot)

    @classmethod
    def from_result(cls, result, x, **plot):
        """Draw a :func:`vizcnn.top_activating_patches` result on the images ``x``."""
        return cls(result, x).plot(**plot)

    def plot(self, *, ax=None, ncols=None, cmap=None, value_range=None, color="red"):
        """Draw the images, boxes and scores.

        Parameters
        ----------
        ax : array-like of matplotlib.axes.Axes, optional
            At least one Axes per image; a new figure when None.
        ncols : int, optional
            Images per row (default: about square, at most 8); ignored with ``ax``.
        cmap : str or matplotlib.colors.Colormap, optional
            For grey images (default ``"gray"``).
        value_range : pair of float, optional
            The pixel values drawn black and white (RGB: scaled from this range).
            Default: the smallest and largest pixel of the images drawn.
        color : str, default="red"
            Colour of the boxes.

        Returns
        -------
        self
        """
        check_axes(ax)
        self._check()
        result = self.result
        value_range = _value_range(value_range, self.images_)
        titles = [
            f"#{i}: {score:.3g}" for i, score in zip(result.indices, result.scores, strict=True)
        ]
        _draw_grid(
            self, self.images_, titles, ax=ax, ncols=ncols, cmap=cmap, value_range=value_range
        )
        from matplotlib.patches import Rectangle

        self.rectangles_ = []
        drawn = list(self.axes_.flat)[: len(result.boxes)]
        for axes, (top, left, bottom, right) in zip(drawn, result.boxes, strict=True):
            rectangle = Rectangle(
                (left - 0.5, top - 0.5),  # pixel i covers i - 0.5 .. i + 0.5
                right - left,
                bottom - top,
                fill=False,
                edgecolor=color,
                linewidth=1.5,
            )
            self.rectangles_.append(axes.add_patch(rectangle))
        if ax is None:
            title = text(
                "display.top_patches.title",
                layer=result.layer,
                channel=result.channel,
                k=len(result),
            )
            _suptitle(self.figure_, title)
        return self


class ActivationMaximizationDisplay:
    """One image per channel, each built to excite that channel's centre unit most.

    Parameters
    ----------
    images : array-like, shape (n, H, W, C)
        What :func:`vizcnn.activation_maximization` made, one image per channel.
    channels : sequence of int, optional
        The channel of each image, for the titles (default ``0..n - 1``).
    layer_name : str, optional
        For the overall title.
    value_range : pair of float, default=(0.0, 1.0)
        The pixel range the images were made in: drawn black to white.

    Attributes
    ----------
    images_ : numpy.ndarray, shape (n, H, W, C)
        The images drawn.
    channels_ : list of int
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        ``(nrows, ncols)`` when the display made the figure, else the ``ax`` given.
    titles_ : list of matplotlib.text.Text

    Examples
    --------
    >>> vz.ActivationMaximizationDisplay.from_model(model, "conv2d_1", range(8))  # doctest: +SKIP
    """

    def __init__(self, images, *, channels=None, layer_name=None, value_range=(0.0, 1.0)):
        self.images = images
        self.channels = channels
        self.layer_name = layer_name
        self.value_range = value_range

    @classmethod
    def from_result(cls, images, *, channels=None, layer_name=None, value_range=(0.0, 1.0), **plot):
        """Draw images already made by :func:`vizcnn.activation_maximization` (one per
        channel); ``**plot`` goes to :meth:`plot`."""
        display = cls(images, channels=channels, layer_name=layer_name, value_range=value_range)
        return display.plot(**plot)

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set ``images_``, ``channels_``, ``value_range_``."""
        images = check_images(self.images, "images").astype("float32")
        if images.shape[-1] not in (1, 3):
            raise ValueError(
                f"images must have 1 (grey) or 3 (RGB) channels, got shape {images.shape}"
            )
        given = self.channels
        channels = list(range(len(images))) if given is None else channel_list(given)
        if len(channels) != len(images):
            raise ValueError(
                f"channels must give one channel per image ({len(images)}), got {len(channels)}"
            )
        self.images_, self.channels_ = images, channels
        self.value_range_ = _value_range(self.value_range, images)

    @classmethod
    def from_model(cls, model, layer, channels, *, ax=None, ncols=None, cmap=None, **am_kwargs):
        """Compute one image per channel and draw them.

        Parameters
        ----------
        model, layer
            As for :func:`vizcnn.activation_maximization`.
        channels : int or sequence of int
            The channels of ``layer`` to draw.
        ax, ncols, cmap
            Passed to :meth:`plot`.
        **am_kwargs
            Passed to :func:`vizcnn.activation_maximization` (``steps``, ``seed``,
            ``value_range``...). All channels are optimised together, as one batch.
        """
        from vizcnn.inspection.activation_max import maximize_channels

        channels = channel_list(channels)
        check_axes(ax, count=len(channels))  # before the gradient ascent
        images = maximize_channels(model, layer, channels, **am_kwargs)
        name = layer if isinstance(layer, str) else getattr(layer, "name", None)
        made_in = am_kwargs.get("value_range", VALUE_RANGE)  # the images' pixel range
        shown = dict(channels=channels, layer_name=name, value_range=made_in)
        return cls.from_result(images, **shown, ax=ax, ncols=ncols, cmap=cmap)

    def plot(self, *, ax=None, ncols=None, cmap=None):
        """Draw the images, titled by channel.

        Parameters
        ----------
        ax, ncols, cmap
            As for :meth:`TopPatchesDisplay.plot`: Axes to draw into (at least one per
            image), images per row, and the colour map of grey images.

        Returns
        -------
        self
        """
        check_axes(ax)
        self._check()
        titles = [text("display.activation_max.channel", channel=c) for c in self.channels_]
        _draw_grid(
            self, self.images_, titles, ax=ax, ncols=ncols, cmap=cmap, value_range=self.value_range_
        )
        if ax is None:
            where = f"{self.layer_name}: " if self.layer_name else ""
            _suptitle(self.figure_, where + text("display.activation_max.title"))
        return self


def _value_range(value_range, images) -> tuple[float, float]:
    """``(low, high)`` checked, or the images' own range when None."""
    if value_range is None:
        low, high = float(np.min(images)), float(np.max(images))
        return (low, high) if high > low else (low, low + 1.0)
    return check_value_range(value_range)


def _draw_grid(display, images, titles, *, ax, ncols, cmap, value_range) -> None:
    """Draw ``images`` one Axes each, grey ones from black at ``value_range[0]`` to white
    at ``value_range[1]``; set the display's ``figure_``, ``axes_``, ``titles_``."""
    low, high = value_range
    drawable = [screen_image(image, value_range=value_range) for image in images]
    grid = ImageGridDisplay.from_result(
        drawable, titles=titles, ax=_axes(ax, len(images), ncols), cmap=cmap, vmin=low, vmax=high
    )
    display.figure_, display.axes_, display.titles_ = grid.figure_, grid.axes_, grid.titles_


def _axes(ax, n: int, ncols):
    """``ax`` as given, or a new grid of thumbnails: about square, at most 8 across."""
    if ax is not None:
        return check_axes(ax, count=n)
    import matplotlib.pyplot as plt

    ncols = (
        min(8, math.ceil(math.sqrt(n))) if ncols is None else check_int(ncols, "ncols", minimum=1)
    )
    nrows = math.ceil(n / ncols)
    _, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(_THUMBNAIL * ncols + 0.2, (_THUMBNAIL + 0.3) * nrows + 0.1),
        squeeze=False,
        layout="constrained",
    )
    return axes


def _suptitle(figure, title: str) -> None:
    width, height = figure.get_size_inches()
    figure.set_size_inches(width, height + _TITLE * (title.count("\n") + 1))
    figure.suptitle(title, fontsize=10)
