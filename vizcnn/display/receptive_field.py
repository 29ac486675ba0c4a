"""ReceptiveFieldDisplay: the input pixels one unit sees, drawn on the image."""

from __future__ import annotations

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display.screen import screen_image
from vizcnn.language import text
from vizcnn.style import ACTIVATION_CMAP, IMAGE_CMAP
from vizcnn.validation import (
    check_batch,
    check_bool,
    check_image,
    check_images,
    check_int,
    check_one_of,
    check_position,
)

_EFFECTIVE_CMAP = "magma"


class ReceptiveFieldDisplay:
    """One unit's receptive field drawn as a box on the input image.

    The theoretical field (``size`` pixels centred on the unit's centre) is drawn dashed;
    where it runs past the image border the part over zero padding is hatched, and the
    pixels that really reach the unit are framed with a solid line. Optional panels: the
    *effective* field ``|d unit / d input|`` (Luo et al., 2016) under the same boxes, and
    the layer's feature map with the unit marked.

    Parameters
    ----------
    image : array-like, shape (H, W, C)
        The input image.
    field : ReceptiveField
        The layer's field (from ``vz.receptive_fields``).
    position : tuple of int or None
        The unit on the layer's grid (None for layers without a grid).
    layer_name : str
    effective : array-like, shape (H, W), optional
        ``|d unit / d input|`` at ``image``.
    feature_map : array-like, shape (h, w), optional
        One channel of the layer's output for ``image``.
    channel : int, optional
        Which channel ``feature_map`` is (for its title).
    n_effective : int, default=1
        How many inputs ``effective`` was averaged over (for its title).

    Attributes
    ----------
    image_ : numpy.ndarray, shape (H, W, C)
        The checked image (``effective_``, ``feature_map_``: the checked panels or None).
    box_ : tuple
        Theoretical field ``((top, bottom), (left, right))``, inclusive; may leave the image.
    box_in_image_ : tuple or None
        The pixels that really reach the unit (None: it sees only padding).
    figure_ : matplotlib.figure.Figure
    axes_ : list of matplotlib.axes.Axes
        Image panel, then the effective-field panel and the feature-map panel when drawn.
    ax_ : matplotlib.axes.Axes
        The image panel (``axes_[0]``).
    """

    def __init__(
        self,
        image,
        field,
        *,
        position,
        layer_name: str,
        effective=None,
        feature_map=None,
        channel: int | None = None,
        n_effective: int = 1,
    ):
        self.image = image
        self.field = field
        self.position = position
        self.layer_name = layer_name
        self.effective = effective
        self.feature_map = feature_map
        self.channel = channel
        self.n_effective = n_effective  # inputs the effective field was averaged over

    @classmethod
    def from_result(cls, image, field, *, position, layer_name: str, **options):
        """Draw a field already computed (``vz.receptive_fields(model)[layer]``) on ``image``.

        ``effective``, ``feature_map``, ``channel`` and ``n_effective`` among ``**options``
        are the class's arguments; the other options go to :meth:`plot`.
        """
        own = ("effective", "feature_map", "channel", "n_effective")
        stored = {name: options.pop(name) for name in own if name in options}
        display = cls(image, field, position=position, layer_name=layer_name, **stored)
        return display.plot(**options)

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set the arrays drawn and ``box_``."""
        image = np.asarray(self.image, dtype=float)
        if image.ndim != 3:
            raise ValueError(f"image must be one image shaped (H, W, C), got shape {image.shape}")
        self.image_ = image
        self.box_ = self.field.box(self.position)
        self.box_in_image_ = self.field.box_in_image(self.position)
        self.effective_ = None if self.effective is None else np.asarray(self.effective, float)
        self.feature_map_ = (
            None if self.feature_map is None else np.asarray(self.feature_map, float)
        )

    @classmethod
    def from_model(
        cls,
        model,
        image,
        layer,
        *,
        position=None,
        feature_map: bool = True,
        effective=False,
        channel: int | None = None,
        path: str = "full",
        **plot_kwargs,
    ):
        """Compute one unit's field in ``model`` and draw it on ``image``.

        Parameters
        ----------
        model : keras.Model
        image : array-like, shape (H, W, C)
            One input image of the model's size.
        layer : str or keras.layers.Layer
        position : tuple of int, optional
            The unit ``(i, j)`` on the layer's grid; default the centre unit.
        feature_map : bool, default=True
            Also draw the layer's feature map with the unit marked (layers with a grid).
        effective : bool or array-like of shape (N, H, W, C), default=False
            Also draw the effective field ``|d unit / d input|``: at ``image`` when True,
            or averaged over a batch of inputs (as Luo et al. do; one image is noisy).
        channel : int, optional
            The channel shown in the feature map and followed by the effective field;
            default: the feature map of the channel most active at the unit, and the
            effective field of the sum over channels.
        path : {"full", "convolution"}, default="full"
            Which theoretical field to draw, as in :func:`vizcnn.receptive_fields`: by
            default the full field (after a squeeze-and-excite ``Multiply`` the whole
            image); ``"convolution"`` leaves the global branch of a ``Multiply`` out.
        **plot_kwargs
            Passed to :meth:`plot`.
        """
        from vizcnn.inspection import effective_receptive_field, feature_maps, field_of

        check_axes(plot_kwargs.get("ax"))  # before any TensorFlow work
        image = check_image(image, "image")
        path = check_one_of(path, "path", ("full", "convolution"))
        check_batch(model, image[None], name="image")
        feature_map = check_bool(feature_map, "feature_map")
        layer_path, field = field_of(model, layer, input_size=tuple(image.shape[:2]), path=path)
        if not field.is_global:
            position = check_position(position, field.grid)  # None: the centre unit
        field.box(position)  # checks position before any TensorFlow work
        if channel is not None:
            channel = check_int(channel, "channel", minimum=0)
        x_effective = None
        if isinstance(effective, (bool, np.bool_)):
            x_effective = image[None] if effective else None
        elif effective is not None:
            x_effective = check_images(effective, "effective")
            check_batch(model, x_effective, name="effective")
        shown_channel = channel
        fmap = None
        if feature_map and not field.is_global:
            maps = feature_maps(model, image[None], layer_path[-1])[0]
            if channel is None:
                shown_channel = int(np.argmax(np.abs(maps[position[0], position[1]])))
            else:
                check_int(channel, "channel", minimum=0, maximum=maps.shape[-1] - 1)
            fmap = maps[..., shown_channel]
        erf, n_effective = None, 0
        if x_effective is not None:
            erf = effective_receptive_field(
                model, x_effective, layer_path[-1], position=position, channel=channel
            )
            n_effective = len(x_effective)
        return cls.from_result(
            image,
            field,
            position=position,
            layer_name=layer_path[-1].name,
            effective=erf,
            feature_map=fmap,
            channel=shown_channel,
            n_effective=n_effective,
            **plot_kwargs,
        )

    def plot(self, *, ax=None, color: str = "tab:orange", title: str | None = None):
        """Draw the image with the field, then the optional panels.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or sequence of them, optional
            One Axes per panel (image, effective field if computed, feature map if
            computed); a new figure when None.
        color : str, default="tab:orange"
            Colour of the boxes.
        title : str, optional
            Title of the image panel (default: the unit and its field size).

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        check_axes(ax)  # its kind before anything else; its count once panels are known
        self._check()
        n_panels = 1 + (self.effective_ is not None) + (self.feature_map_ is not None)
        if ax is None:
            self.figure_, axes = plt.subplots(1, n_panels, figsize=(3.6 * n_panels, 3.6))
            axes = list(np.atleast_1d(axes))
        else:
            axes = list(check_axes(ax, count=n_panels, exact=True, per="panel").flat)
            self.figure_ = axes[0].figure
        self.axes_, self.ax_ = axes, axes[0]
        self.patches_ = []

        self.ax_.imshow(screen_image(self.image_), cmap=IMAGE_CMAP, interpolation="nearest")
        self._draw_field(self.ax_, color)
        self.ax_.set_title(title or self._title())
        panel = 1
        if self.effective_ is not None:
            ax_e = axes[panel]
            self.effective_image_ = ax_e.imshow(
                self.effective_, cmap=_EFFECTIVE_CMAP, interpolation="nearest"
            )
            self._draw_field(ax_e, color)
            # zoom on the field: the blob is small next to the whole image
            (top, bottom), (left, right) = self.box_
            ax_e.set_xlim(left - 2, right + 2)
            ax_e.set_ylim(bottom + 2, top - 2)
            over = ""
            if self.n_effective > 1:
                over = text("display.receptive_field.mean_of", n=self.n_effective)
            ax_e.set_title(text("display.receptive_field.effective", over=over))
            panel += 1
        if self.feature_map_ is not None:
            ax_f = axes[panel]
            ax_f.imshow(self.feature_map_, cmap=ACTIVATION_CMAP, interpolation="nearest")
            i, j = self.position
            self.unit_patch_ = plt.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=2.5
            )
            ax_f.add_patch(self.unit_patch_)
            ax_f.set_title(
                text(
                    "display.receptive_field.feature_map",
                    layer=self.layer_name,
                    channel=self.channel,
                    position=self.position,
                )
            )
            self.unit_patch_.set_path_effects([_halo()])
            _bare(ax_f)
        return self

    def _title(self):
        h, w = self.field.size
        if self.position is None:
            return text("display.receptive_field.global", layer=self.layer_name, h=h, w=w)
        title = text(
            "display.receptive_field.unit", layer=self.layer_name, position=self.position, h=h, w=w
        )
        inside = self.box_in_image_
        if inside is None:
            return title + text("display.receptive_field.only_padding")
        ih, iw = (hi - lo + 1 for lo, hi in inside)
        if (ih, iw) != (h, w):
            title += text("display.receptive_field.in_image", h=ih, w=iw)
        return title

    def _draw_field(self, ax, color):
        """Dashed theoretical box, hatched padding part, solid frame of the real pixels."""
        import matplotlib.pyplot as plt

        height, width = self.image_.shape[:2]
        (top, bottom), (left, right) = self.box_
        theoretical = plt.Rectangle(
            (left - 0.5, top - 0.5),
            right - left + 1,
            bottom - top + 1,
            fill=False,
            edgecolor=color,
            linestyle="--",
            linewidth=1.5,
        )
        ax.add_patch(theoretical)
        patches = {"theoretical": theoretical, "padding": []}
        for y0, y1, x0, x1 in _outside(self.box_, height, width):
            part = plt.Rectangle(
                (x0 - 0.5, y0 - 0.5),
                x1 - x0 + 1,
                y1 - y0 + 1,
                fill=False,
                hatch="///",
                edgecolor=color,
                linewidth=0,
                alpha=0.6,
            )
            ax.add_patch(part)
            patches["padding"].append(part)
        patches["in_image"] = None
        if self.box_in_image_ is not None:
            (t, b), (l_, r) = self.box_in_image_
            patches["in_image"] = plt.Rectangle(
                (l_ - 0.5, t - 0.5), r - l_ + 1, b - t + 1, fill=False, edgecolor=color, linewidth=2
            )
            # a dark halo keeps the frame visible on images of the same colour
            patches["in_image"].set_path_effects([_halo()])
            ax.add_patch(patches["in_image"])
        # the image border, so the padding part reads as "outside"
        ax.add_patch(
            plt.Rectangle((-0.5, -0.5), width, height, fill=False, edgecolor="0.4", linewidth=0.8)
        )
        ax.set_xlim(min(left, 0) - 1, max(right, width - 1) + 1)
        ax.set_ylim(max(bottom, height - 1) + 1, min(top, 0) - 1)
        theoretical.set_path_effects([_halo()])
        _bare(ax)
        self.patches_.append(patches)


def _halo():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=3.5, foreground="black", alpha=0.7)


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _outside(box, height, width):
    """The parts of ``box`` outside the image, as ``(y0, y1, x0, x1)`` inclusive pieces."""
    (top, bottom), (left, right) = box
    pieces = []
    if top < 0:
        pieces.append((top, min(bottom, -1), left, right))
    if bottom > height - 1:
        pieces.append((max(top, height), bottom, left, right))
    y0, y1 = max(top, 0), min(bottom, height - 1)
    if y0 <= y1:  # left and right strips between the top and bottom pieces
        if left < 0:
            pieces.append((y0, y1, left, min(right, -1)))
        if right > width - 1:
            pieces.append((y0, y1, max(left, width), right))
    return pieces
