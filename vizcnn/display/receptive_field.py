"""ReceptiveFieldDisplay: the input pixels one unit sees, drawn on the image."""

from __future__ import annotations

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display._field_panels import (
    bare,
    check_fits,
    effective_title,
    feature_map_title,
    halo,
    make_boxes,
    place_panels,
    redraw_panels,
    screened,
)
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
    check_value_range,
)

_EFFECTIVE_CMAP = "magma"


class ReceptiveFieldDisplay:
    """One unit's receptive field drawn as a box on the input image.

    The theoretical field (``size`` pixels centred on the unit's centre) is drawn dashed;
    where it runs past the image border the part over zero padding is hatched, and the
    pixels that really reach the unit are framed with a solid line. Optional panels: the
    *effective* field ``|d unit / d input|`` (Luo et al., 2016) under the same boxes, and
    the layer's feature map with the unit marked. Once drawn, :meth:`update` shows
    another unit, image or field in the same figure and artists (``vz.UnitExplorer``'s
    left panels).

    Parameters
    ----------
    image : array-like, shape (H, W, C)
        The input image.
    field : ReceptiveField or None
        The layer's field (from ``vz.receptive_fields``); None where it is unknown: the
        box then covers the whole image and the title says so.
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
    effective_note : str, optional
        Words shown in the effective-field panel in place of a field not measured
        (``effective`` None), e.g. why; with it the panel is drawn either way.

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
    image_artist_ : matplotlib.image.AxesImage
        The image drawn (``effective_image_``, ``feature_image_``: those of the other
        panels, when drawn).
    patches_ : list of dict
        Per panel with the field (the image, the effective field): its boxes,
        ``{"theoretical": Rectangle, "padding": [Rectangle per side over the padding],
        "in_image": Rectangle or None}``.
    effective_text_ : matplotlib.text.Text
        ``effective_note`` in the effective-field panel (hidden while a field is shown).
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
        effective_note: str | None = None,
    ):
        self.image = image
        self.field = field
        self.position = position
        self.layer_name = layer_name
        self.effective = effective
        self.feature_map = feature_map
        self.channel = channel
        self.n_effective = n_effective  # inputs the effective field was averaged over
        self.effective_note = effective_note

    @classmethod
    def from_result(cls, image, field, *, position, layer_name: str, **options):
        """Draw a field already computed (``vz.receptive_fields(model)[layer]``) on ``image``.

        ``effective``, ``feature_map``, ``channel``, ``n_effective`` and ``effective_note``
        among ``**options`` are the class's arguments; the other options go to :meth:`plot`.
        """
        own = ("effective", "feature_map", "channel", "n_effective", "effective_note")
        stored = {name: options.pop(name) for name in own if name in options}
        display = cls(image, field, position=position, layer_name=layer_name, **stored)
        return display.plot(**options)

    def _check(self) -> None:
        """Validate what ``__init__`` stored; set the arrays drawn and ``box_``."""
        from vizcnn.arithmetic.fields import ReceptiveField

        image = np.asarray(self.image, dtype=float)
        if image.ndim != 3:
            raise ValueError(f"image must be one image shaped (H, W, C), got shape {image.shape}")
        if self.field is not None and not isinstance(self.field, ReceptiveField):
            raise TypeError(
                "field must be a ReceptiveField (from vz.receptive_fields) or None, "
                f"got {type(self.field).__name__}"
            )
        note = self.effective_note
        if note is not None and not isinstance(note, str):
            raise TypeError(f"effective_note must be a str or None, got {type(note).__name__}")
        self.image_ = image
        if self.field is None:  # unknown: the box says "somewhere in the image"
            self.box_ = self.box_in_image_ = ((0, image.shape[0] - 1), (0, image.shape[1] - 1))
        else:
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

    def plot(
        self,
        *,
        ax=None,
        color: str = "tab:orange",
        title: str | None = None,
        value_range=None,
    ):
        """Draw the image with the field, then the optional panels.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or sequence of them, optional
            One Axes per panel (image, effective field if computed or ``effective_note``
            given, feature map if computed); a new figure when None.
        color : str, default="tab:orange"
            Colour of the boxes.
        title : str, optional
            Title of the image panel (default: the unit and its field size).
        value_range : pair of float, optional
            The pixel values drawn black and white (RGB: scaled from this range to
            [0, 1]), here and by :meth:`update`. Default: each image's own range.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        check_axes(ax)  # its kind before anything else; its count once panels are known
        self._check()
        if value_range is not None:
            value_range = check_value_range(value_range)
        with_effective = self.effective_ is not None or self.effective_note is not None
        n_panels = 1 + with_effective + (self.feature_map_ is not None)
        if ax is None:
            self.figure_, axes = plt.subplots(1, n_panels, figsize=(3.6 * n_panels, 3.6))
            axes = list(np.atleast_1d(axes))
        else:
            axes = list(check_axes(ax, count=n_panels, exact=True, per="panel").flat)
            self.figure_ = axes[0].figure
        self.axes_, self.ax_ = axes, axes[0]
        self._value_range, self._boxes = value_range, []

        shown, limits = screened(self.image_, value_range)
        self.image_artist_ = self.ax_.imshow(
            shown, cmap=IMAGE_CMAP, interpolation="nearest", **limits
        )
        self._boxes.append(make_boxes(self.ax_, color))
        # y fixed: a title placed once, not re-placed on every draw (update redraws often);
        # the same place here, as the panels have no ticks above them
        self.ax_.set_title(title or self._title(), y=1.0)
        panel = 1
        if with_effective:
            ax_e = axes[panel]
            shown = self.effective_ if self.effective_ is not None else self.image_[..., 0] * 0
            self.effective_image_ = ax_e.imshow(
                shown, cmap=_EFFECTIVE_CMAP, interpolation="nearest"
            )
            self._boxes.append(make_boxes(ax_e, color))
            ax_e.set_title(effective_title(self), y=1.0)
            self.effective_text_ = ax_e.text(
                0.5, 0.5, "", ha="center", va="center", fontsize=8, color="0.4",
                transform=ax_e.transAxes, visible=False,
            )  # fmt: skip
            panel += 1
        if self.feature_map_ is not None:
            ax_f = axes[panel]
            self.feature_image_ = ax_f.imshow(
                self.feature_map_, cmap=ACTIVATION_CMAP, interpolation="nearest"
            )
            self.unit_patch_ = plt.Rectangle(
                (0, 0), 1, 1, fill=False, edgecolor=color, linewidth=2.5
            )
            ax_f.add_patch(self.unit_patch_)
            ax_f.set_title(feature_map_title(self), y=1.0)
            self.unit_patch_.set_path_effects([halo()])
            bare(ax_f)
        place_panels(self)
        return self

    def update(
        self,
        image,
        field,
        *,
        position,
        layer_name: str | None = None,
        effective=None,
        feature_map=None,
        channel: int | None = None,
        n_effective: int = 1,
        effective_note: str | None = None,
        title: str | None = None,
    ):
        """Show another unit, image or field in place: the same figure, panels and
        artists, their data, boxes, limits and titles changed (for a widget that redraws
        on every change).

        Parameters
        ----------
        image, field, position, effective, feature_map, channel, n_effective, effective_note
            As for the class, for the panels drawn: an image of the size drawn, an
            effective field (or ``effective_note``) when that panel is drawn, a feature
            map of the size drawn when that panel is.
        layer_name : str, optional
            Default: the one drawn.
        title : str, optional
            As for :meth:`plot`.

        Returns
        -------
        self

        Raises a RuntimeError before :meth:`plot`, a TypeError or ValueError for what the
        class refuses or what does not fit the panels drawn (naming the argument); a
        refused update leaves the display as it was.
        """
        if not hasattr(self, "image_artist_"):
            raise RuntimeError("update() changes what plot() drew: call plot() first")
        stored = dict(
            position=position,
            layer_name=self.layer_name if layer_name is None else layer_name,
            effective=effective,
            feature_map=feature_map,
            channel=channel,
            n_effective=n_effective,
            effective_note=effective_note,
        )
        new = type(self)(image, field, **stored)
        new._check()
        check_fits(self, new)
        self.image, self.field = image, field
        for name, value in stored.items():
            setattr(self, name, value)
        for name in ("image_", "box_", "box_in_image_", "effective_", "feature_map_"):
            setattr(self, name, getattr(new, name))

        redraw_panels(self, title or self._title())
        return self

    def _title(self):
        if self.field is None:
            return text(
                "display.receptive_field.unknown", layer=self.layer_name, position=self.position
            )
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
