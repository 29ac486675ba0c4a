"""What a channel responds to, drawn: the images that excite it most (with the patch its
strongest unit sees boxed), and the images gradient ascent builds for it.

- :class:`TopPatchesDisplay` draws :func:`vizcnn.top_activating_patches`;
- :class:`ActivationMaximizationDisplay` draws :func:`vizcnn.activation_maximization`,
  one image per channel.

Both draw one Axes per image through :class:`~vizcnn.display.images.ImageGridDisplay`:
grey images in ``"gray"`` on a fixed scale, RGB images as RGB; once drawn, ``update``
shows another result in the same artists (the panels of ``vz.UnitExplorer``).
"""

from __future__ import annotations

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display._unit_grid import (
    check_drawn,
    check_same_count,
    draw_grid,
    redraw_grid,
    suptitle,
    value_range_of,
)
from vizcnn.inspection.activation_max import VALUE_RANGE, channel_list
from vizcnn.language import text
from vizcnn.validation import check_captions, check_images

__all__ = ["ActivationMaximizationDisplay", "TopPatchesDisplay"]


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
    labels : sequence of str, optional
        One caption per image of ``x`` (e.g. its class name), shown after its index.

    Attributes
    ----------
    images_ : numpy.ndarray, shape (k, H, W, C)
        The images drawn, ``x[result.indices]``.
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        ``(nrows, ncols)`` when the display made the figure, else the ``ax`` given; slots
        without an image are hidden.
    image_artists_ : list of matplotlib.image.AxesImage
        One per image, in order.
    rectangles_ : list of matplotlib.patches.Rectangle
        One per image, in order: the receptive-field boxes.
    titles_ : list of matplotlib.text.Text
        One per image.

    Examples
    --------
    >>> vz.TopPatchesDisplay.from_model(model, X_valid, "conv2d_1", 5)   # doctest: +SKIP
    """

    def __init__(self, result, x, *, labels=None):
        self.result = result
        self.x = x
        self.labels = labels

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set ``images_`` (the images drawn)."""
        x = check_images(self.x, "x")
        self._labels = check_captions(self.labels, len(x))
        self._x, self.images_ = x, self._check_result(self.result, x)

    def _check_result(self, result, x):
        """``result`` checked against the checked ``x``; the images it shows."""
        from vizcnn.inspection.top_patches import TopPatches

        if not isinstance(result, TopPatches):
            raise TypeError(
                "result must be what vz.top_activating_patches returns (TopPatches), "
                f"got {type(result).__name__}"
            )
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
        return x[result.indices]

    @classmethod
    def from_model(
        cls, model, x, layer, channel, *, k: int = 9, batch_size: int = 256, labels=None, **plot
    ):
        """Find and draw the ``k`` images of ``x`` that excite ``channel`` of ``layer`` most.

        Parameters
        ----------
        model, x, layer, channel, k, batch_size
            As for :func:`vizcnn.top_activating_patches`.
        labels
            As for the class.
        **plot
            Passed to :meth:`plot`.
        """
        from vizcnn.inspection.top_patches import top_activating_patches

        check_axes(plot.get("ax"))  # before any TensorFlow work
        result = top_activating_patches(model, x, layer, channel, k=k, batch_size=batch_size)
        return cls.from_result(result, x, labels=labels, **plot)

    @classmethod
    def from_result(cls, result, x, *, labels=None, **plot):
        """Draw a :func:`vizcnn.top_activating_patches` result on the images ``x``."""
        return cls(result, x, labels=labels).plot(**plot)

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
        self._value_range = value_range  # as given: update() scales its images the same way
        value_range = value_range_of(value_range, self.images_)
        draw_grid(self, self._titles(), ax=ax, ncols=ncols, cmap=cmap, value_range=value_range)
        from matplotlib.patches import Rectangle

        drawn = list(self.axes_.flat)[: len(result.boxes)]
        self.rectangles_ = [
            axes.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=color, linewidth=1.5))
            for axes in drawn
        ]
        self._place_boxes()
        if ax is None:
            title = text(
                "display.top_patches.title",
                layer=result.layer,
                channel=result.channel,
                k=len(result),
            )
            suptitle(self.figure_, title)
        return self

    def update(self, result):
        """Show another result of the same ``k`` on the same images, in place: the same
        figure and artists, their images, titles and boxes changed (for a widget that
        redraws on every change).

        Parameters
        ----------
        result : TopPatches
            What :func:`vizcnn.top_activating_patches` returned for the images ``x`` this
            display was made with, ``k`` as many as drawn.

        Returns
        -------
        self

        Raises a RuntimeError before :meth:`plot`, a ValueError for a result of another
        ``k`` or one that does not fit ``x`` (as :meth:`plot` does); a refused result
        leaves the display as it was.
        """
        check_drawn(self)
        images = self._check_result(result, self._x)
        check_same_count(self, images, "result")
        self.result, self.images_ = result, images
        value_range = value_range_of(self._value_range, self.images_)
        redraw_grid(self, self._titles(), value_range=value_range)
        self._place_boxes()
        return self

    def _titles(self) -> list[str]:
        """``"#index: peak"``, ``"#index label: peak"`` with labels."""
        result, labels = self.result, self._labels
        return [
            f"#{i}" + (f" {labels[i]}" if labels else "") + f": {score:.3g}"
            for i, score in zip(result.indices, result.scores, strict=True)
        ]

    def _place_boxes(self) -> None:
        for rectangle, (top, left, bottom, right) in zip(
            self.rectangles_, self.result.boxes, strict=True
        ):
            rectangle.set_xy((left - 0.5, top - 0.5))  # pixel i covers i - 0.5 .. i + 0.5
            rectangle.set_width(right - left)
            rectangle.set_height(bottom - top)


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
    image_artists_ : list of matplotlib.image.AxesImage
        One per image, in order.
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
        self.value_range_ = value_range_of(self.value_range, images)

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
        draw_grid(
            self, self._titles(), ax=ax, ncols=ncols, cmap=cmap, value_range=self.value_range_
        )
        if ax is None:
            where = f"{self.layer_name}: " if self.layer_name else ""
            suptitle(self.figure_, where + text("display.activation_max.title"))
        return self

    def update(self, images, *, channels=None):
        """Show other images, as many as drawn, in place: the same figure and artists,
        their images and titles changed (for a widget that redraws on every change).

        Parameters
        ----------
        images, channels
            As for the class; the value range stays the one drawn.

        Returns
        -------
        self

        Raises a RuntimeError before :meth:`plot`, a ValueError for another number of
        images than drawn or for what the class refuses; nothing changes then.
        """
        check_drawn(self)
        updated = type(self)(images, channels=channels, value_range=self.value_range_)
        updated._check()
        check_same_count(self, updated.images_, "images")
        self.images, self.channels = images, channels
        self.images_, self.channels_ = updated.images_, updated.channels_
        redraw_grid(self, self._titles(), value_range=self.value_range_)
        return self

    def _titles(self) -> list[str]:
        return [text("display.activation_max.channel", channel=c) for c in self.channels_]
