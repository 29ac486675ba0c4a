"""ImageGridDisplay and ``show_images``: pictures side by side, each titled, no axes.

What the lessons drew by hand again and again (``plt.subplots`` + a loop of ``imshow``,
``set_title`` and ``axis("off")``), written once. Unlike the mosaic displays, each image
gets its own Axes: the images may differ in size, and each keeps its own title.
"""

from __future__ import annotations

import math

import numpy as np

from vizcnn import validation
from vizcnn.display._axes import check_axes
from vizcnn.display._grid import given_axes
from vizcnn.display.screen import screen_image, warn_if_pixels
from vizcnn.style import IMAGE_CMAP

_MAX_WIDTH = 10.0  # inches: the width of a notebook cell's figure
_COLUMN_WIDTH = 4.0  # inches per column when few images share a row
_TITLE_HEIGHT = 0.35  # inches of room above an image for its title


class ImageGridDisplay:
    """Images in a grid, one Axes each, with optional titles.

    Parameters
    ----------
    images : array-like or list of array-like
        A batch ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``, or a list of images
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` that may differ in size. Finite numbers;
        ``uint8`` (0-255) or float (RGB floats in [0, 1], as matplotlib expects). Pixels
        of a NumPy masked array are left out: drawn in the colour map's "bad" colour.
    titles : sequence of str, optional
        One title per image (``None`` or ``""`` for none).

    Attributes
    ----------
    images_drawn_ : list of numpy.ndarray
        The checked images, one-channel ones squeezed to 2-D (before the conversion to
        the screen: float RGB pixels in 0-255 are drawn divided by 255, with a warning).
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        ``(nrows, ncols)`` when the display made the figure, else the ``ax`` given. Slots
        without an image are hidden.
    images_ : list of matplotlib.image.AxesImage
        One per image, in order.
    titles_ : list of matplotlib.text.Text
        One per image (empty text where no title was given).
    """

    def __init__(self, images, *, titles=None):
        self.images = images
        self.titles = titles

    @classmethod
    def from_result(cls, images, *, titles=None, **plot_kwargs):
        """Draw ``images`` (any of the forms the class takes); ``**plot_kwargs`` go to
        :meth:`plot`."""
        return cls(images, titles=titles).plot(**plot_kwargs)

    def plot(self, *, ax=None, ncols: int | None = None, cmap=None, vmin=None, vmax=None):
        """Draw the images.

        Parameters
        ----------
        ax : array-like of matplotlib.axes.Axes, optional
            Axes to draw into, at least one per image (e.g. from ``plt.subplots``); a new
            figure when None.
        ncols : int, optional
            Images per row (ignored with ``ax``). Default: all in one row when they fit
            the width of a notebook cell, else rows of equal length.
        cmap : str or matplotlib.colors.Colormap, optional
            For one-channel images (default ``"gray"``); RGB images ignore it.
        vmin, vmax : float, optional
            The colour scale of one-channel images. Default: 0 to 255 for ``uint8``
            images, else each image's own range.

        Returns
        -------
        self
        """
        check_axes(ax)  # its kind first; its count once the images are counted
        self.images_drawn_ = pictures = _check_images(self.images)
        self.titles_given_ = _check_titles(self.titles, len(pictures))
        n = len(pictures)
        cmap = IMAGE_CMAP if cmap is None else cmap
        vmin = None if vmin is None else validation.check_number(vmin, "vmin")
        vmax = None if vmax is None else validation.check_number(vmax, "vmax")
        if ax is None:
            ncols = _default_ncols(pictures) if ncols is None else ncols
            ncols = validation.check_positive_int(ncols, "ncols")
            self.figure_, self.axes_ = self._new_figure(ncols)
        else:
            self.figure_, self.axes_ = given_axes(ax, n)
        warn_if_pixels(pictures, name="images", caller=type(self).__name__)
        small = self.axes_.shape[-1] > 5 if self.axes_.ndim else False
        self.images_, self.titles_ = [], []
        for i, axes in enumerate(self.axes_.flat):
            if i >= n:
                axes.set_visible(False)  # an empty slot of the grid
                continue
            image = pictures[i]
            grey = image.ndim == 2
            low, high = vmin, vmax
            if grey and image.dtype == np.uint8:  # pixel values: a fixed 0-255 scale
                low = 0.0 if low is None else low
                high = 255.0 if high is None else high
            self.images_.append(
                axes.imshow(
                    screen_image(image),
                    cmap=cmap if grey else None,
                    vmin=low if grey else None,
                    vmax=high if grey else None,
                    interpolation="nearest",
                )
            )
            # y given: where matplotlib would put it over an Axes without axis, but not
            # measured again on every draw (the hidden axes' ticks: most of a widget's render)
            self.titles_.append(
                axes.set_title(self.titles_given_[i], fontsize=8 if small else None, y=1.0)
            )
            axes.set_axis_off()
        return self

    def _new_figure(self, ncols: int):
        import matplotlib.pyplot as plt

        images, titles = self.images_drawn_, self.titles_given_
        n = len(images)
        nrows = math.ceil(n / ncols)
        width = min(_MAX_WIDTH, _COLUMN_WIDTH * ncols)
        column = width / ncols
        title = _TITLE_HEIGHT if any(titles) else 0.05
        heights = []  # each row as tall as its tallest image drawn one column wide
        for row in range(nrows):
            shapes = [image.shape for image in images[row * ncols : (row + 1) * ncols]]
            heights.append(column * max(min(h / w, 2.0) for h, w, *_ in shapes) + title)
        figure, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(round(width, 2), round(sum(heights) + 0.1, 2)),  # whole pixels at 100 dpi
            squeeze=False,
            layout="constrained",
            gridspec_kw={"height_ratios": heights},
        )
        return figure, axes


def show_images(images, *, titles=None, ncols=None, cmap=None, vmin=None, vmax=None, ax=None):
    """Show images side by side, each with its title and no axes.

    Parameters
    ----------
    images : array-like or list of array-like
        A batch ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``, or a list of images
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` of any sizes; ``uint8`` or float,
        finite (mask pixels to leave out with ``np.ma.masked_invalid``).
    titles : sequence of str, optional
        One title per image.
    ncols : int, optional
        Images per row (default: one row when they fit, else rows of equal length).
    cmap : str or Colormap, optional
        For one-channel images; default ``"gray"``.
    vmin, vmax : float, optional
        Colour scale of one-channel images (default 0-255 for ``uint8``, else each
        image's own range).
    ax : array-like of Axes, optional
        Draw into these Axes instead of a new figure.

    Returns
    -------
    ImageGridDisplay
        With ``figure_``, ``axes_``, ``images_`` and ``titles_``.

    Examples
    --------
    >>> images = vz.data.load_sample_images()                      # doctest: +SKIP
    >>> vz.show_images(images, titles=["temple", "flower"])       # doctest: +SKIP
    """
    return ImageGridDisplay.from_result(
        images, titles=titles, ax=ax, ncols=ncols, cmap=cmap, vmin=vmin, vmax=vmax
    )


def _check_images(images) -> list[np.ndarray]:
    """A list of 2-D (grey) or 3-D (RGB) arrays, checked (one-channel images squeezed)."""
    if isinstance(images, (list, tuple)):
        listed = list(images)
        if not listed:
            raise ValueError("images is empty: give at least one image")
        return [_one_image(image, f"images[{i}]") for i, image in enumerate(listed)]
    if isinstance(images, (str, bytes)) or not hasattr(images, "__array__"):
        raise TypeError(
            "images must be an array (N, H, W[, C]) or a list of images, "
            f"got {type(images).__name__}"
        )
    batch = images if np.ma.isMaskedArray(images) else np.asarray(images)
    # (H, W, C) read as (N, H, W) would draw N stripes 1 or 3 pixels wide: refuse that
    # (a batch of 3x3 or 1x1 pictures, e.g. kernels, still passes)
    if batch.ndim == 3 and batch.shape[-1] in (1, 3) and batch.shape[1] > 3 * batch.shape[2]:
        raise ValueError(
            f"images has shape {batch.shape}: that looks like one image (H, W, C); "
            "show it with [image] (a list) or image[None] (a batch of one)"
        )
    if batch.ndim not in (3, 4):
        raise ValueError(
            "images must be a batch shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
            f"or a list of images; got shape {batch.shape}"
        )
    if len(batch) == 0:
        raise ValueError(f"images is empty: shape {batch.shape} (at least one image is needed)")
    return [_one_image(image, f"images[{i}]") for i, image in enumerate(batch)]


def _one_image(image, name: str) -> np.ndarray:
    if not (hasattr(image, "__array__") or isinstance(image, (list, tuple))):
        raise TypeError(f"{name} must be an image array, got {type(image).__name__}")
    # masked pixels are left out on purpose: drawn in the colour map's "bad" colour
    mask = np.ma.getmaskarray(image) if np.ma.isMaskedArray(image) else None
    try:
        array = np.asarray(image) if mask is None else np.ma.getdata(image)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a numeric array, got a ragged list") from exc
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be shaped (H, W), (H, W, 1) or (H, W, 3), got shape {array.shape}"
        )
    picture = array[..., None] if array.ndim == 2 else array
    if mask is not None:  # only the pixels that will be drawn must be finite
        picture = np.where(mask.reshape(picture.shape), 0, picture)
    try:
        picture = validation.check_image(picture, name)  # real numbers, not empty, finite
    except ValueError as exc:
        if np.issubdtype(picture.dtype, np.floating) and not np.isfinite(picture).all():
            exc.add_note("To leave pixels out on purpose, mask them: np.ma.masked_invalid(image)")
        raise
    if picture.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} has {picture.shape[-1]} channels; images have 1 (grey) or 3 (RGB), "
            f"got shape {picture.shape}"
        )
    picture = picture[..., 0] if picture.shape[-1] == 1 else picture
    if mask is not None:
        picture = np.ma.masked_array(picture, mask=mask.reshape(picture.shape))
    return picture


def _check_titles(titles, n: int) -> list[str]:
    if titles is None:
        return [""] * n
    if isinstance(titles, (str, bytes)) or not hasattr(titles, "__len__"):
        raise TypeError(
            f"titles must be a sequence of str, one per image, got {type(titles).__name__}"
        )
    if len(titles) != n:
        raise ValueError(f"titles must give one title per image ({n}), got {len(titles)}")
    return ["" if title is None else str(title) for title in titles]


def _default_ncols(images) -> int:
    """All in one row if they fit ~10 inches at ~1 inch of height each, else even rows."""
    wide = max(w / h for h, w, *_ in (image.shape for image in images))
    fits = max(1, min(10, int(_MAX_WIDTH // max(1.0, wide))))
    nrows = math.ceil(len(images) / fits)
    return math.ceil(len(images) / nrows)


def check_class_names(class_names):
    """``class_names`` as a list of str, one per class, or None."""
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
