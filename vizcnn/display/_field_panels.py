"""The panels of :class:`~vizcnn.display.receptive_field.ReceptiveFieldDisplay` for one
unit: its boxes, made once per panel and then placed (shown or hidden) for each unit, the
panels' limits and titles, and, for ``update``, the check that new data fit the panels drawn and
the redraw of the same artists with them.

On one panel: the theoretical field dashed, one hatched piece per side where it hangs
over the zero padding (above, below, left, right: each side has one rectangle, hidden
when the field does not cross that border), the pixels that really reach the unit framed
solid (hidden when it sees only padding), and the image border.
"""

from __future__ import annotations

from vizcnn.display.screen import screen_image
from vizcnn.language import text

_SIDES = ("above", "below", "left", "right")


def make_boxes(ax, color) -> dict:
    """Add the (not yet placed) boxes of one panel to ``ax``, and take its ticks and
    frame away (the border box frames the image); return the boxes by role."""
    from matplotlib.patches import Rectangle

    def box(**style):
        return ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, **style))

    boxes = {"theoretical": box(edgecolor=color, linestyle="--", linewidth=1.5)}
    boxes["sides"] = {
        side: box(hatch="///", edgecolor=color, linewidth=0, alpha=0.6) for side in _SIDES
    }
    boxes["in_image"] = box(edgecolor=color, linewidth=2)
    # a dark halo keeps the frame visible on images of the same colour
    boxes["in_image"].set_path_effects([halo()])
    # the image border, so the padding part reads as "outside"
    boxes["border"] = box(edgecolor="0.4", linewidth=0.8)
    boxes["theoretical"].set_path_effects([halo()])
    bare(ax)
    return boxes


def place_boxes(boxes, box, box_in_image, height: int, width: int, *, shown=True) -> dict:
    """Put ``boxes`` (from :func:`make_boxes`) around ``box`` and ``box_in_image``
    (inclusive ``((top, bottom), (left, right))``; None: only padding) on an image of
    ``height`` x ``width``, all hidden unless ``shown``; return what is placed, as
    ``ReceptiveFieldDisplay.patches_`` lists it: ``{"theoretical", "padding": [the
    pieces over the padding], "in_image": or None}``."""
    _place(boxes["theoretical"], box)
    pieces = _sides(box, height, width)
    padding = []
    for side, rectangle in boxes["sides"].items():
        rectangle.set_visible(shown and side in pieces)
        if side in pieces:
            y0, y1, x0, x1 = pieces[side]
            _place(rectangle, ((y0, y1), (x0, x1)))
            padding.append(rectangle)
    in_image = boxes["in_image"]
    in_image.set_visible(shown and box_in_image is not None)
    if box_in_image is not None:
        _place(in_image, box_in_image)
    _place(boxes["border"], ((0, height - 1), (0, width - 1)))
    boxes["theoretical"].set_visible(shown)
    boxes["border"].set_visible(shown)
    return {
        "theoretical": boxes["theoretical"],
        "padding": padding,
        "in_image": None if box_in_image is None else in_image,
    }


def check_fits(display, new) -> None:
    """``new`` (a checked display) fits the panels ``display`` drew, or a ValueError
    naming the argument that does not."""
    if new.image_.shape != display.image_.shape:
        raise ValueError(
            f"image must have the shape drawn {display.image_.shape}, got "
            f"{new.image_.shape}: plot a new display for another size"
        )
    size = display.image_.shape[:2]
    if hasattr(display, "effective_image_"):
        if new.effective_ is None and new.effective_note is None:
            raise ValueError(
                "effective (or effective_note, to say why there is none) must be given: "
                "this display has an effective-field panel"
            )
        if new.effective_ is not None and new.effective_.shape != size:
            raise ValueError(
                f"effective must be shaped like the image {size}, got {new.effective_.shape}"
            )
    elif new.effective_ is not None or new.effective_note is not None:
        raise ValueError(
            "effective and effective_note need an effective-field panel, which this "
            "display was drawn without: plot a new display"
        )
    drawn = display.feature_map_.shape if hasattr(display, "feature_image_") else None
    given = None if new.feature_map_ is None else new.feature_map_.shape
    if given != drawn:
        raise ValueError(
            f"feature_map must be {'None' if drawn is None else f'shaped {drawn}'} "
            f"as drawn, got {'None' if given is None else f'shape {given}'}: "
            "plot a new display for other panels"
        )


def place_panels(display) -> None:
    """``display``'s boxes, limits, and effective field or its note, for its unit."""
    height, width = display.image_.shape[:2]
    (top, bottom), (left, right) = display.box_
    effective = display.effective_ is not None
    display.patches_ = [
        place_boxes(boxes, display.box_, display.box_in_image_, height, width, shown=shown)
        for boxes, shown in zip(display._boxes, (True, effective), strict=False)
    ]
    # widened to show the part over the padding
    x, y = (
        (min(left, 0) - 1, max(right, width - 1) + 1),
        (max(bottom, height - 1) + 1, min(top, 0) - 1),
    )
    _limits(display.ax_, x, y)
    if hasattr(display, "effective_image_"):
        ax = display.axes_[1]
        # zoom on the field: the blob is small next to the whole image
        _limits(ax, (left - 2, right + 2), (bottom + 2, top - 2))
        display.effective_image_.set_visible(effective)
        display.effective_text_.set_text("" if effective else display.effective_note or "")
        display.effective_text_.set_visible(not effective)
    if hasattr(display, "unit_patch_"):
        i, j = display.position
        display.unit_patch_.set_xy((j - 0.5, i - 0.5))


def screened(image, value_range):
    """What ``imshow`` draws for ``image``, and the ``vmin``/``vmax`` of a grey one:
    ``value_range``, else the image's own range (what ``imshow`` would pick)."""
    shown = screen_image(image, value_range=value_range)
    if shown.ndim == 3:
        return shown, {}
    low, high = value_range or (float(shown.min()), float(shown.max()))
    return shown, {"vmin": low, "vmax": high}


def redraw_panels(display, title: str) -> None:
    """Change what ``display.plot`` drew to the display's data now (its ``update``):
    the same artists, their data, colour limits and titles, then its boxes and limits."""
    shown, limits = screened(display.image_, display._value_range)
    display.image_artist_.set_data(shown)
    if limits:
        display.image_artist_.set_clim(**limits)
    display.ax_.title.set_text(title)
    if hasattr(display, "effective_image_"):
        effective = display.effective_
        if effective is not None:
            display.effective_image_.set_data(effective)
            display.effective_image_.set_clim(effective.min(), effective.max())
        display.axes_[1].title.set_text(effective_title(display))
    if hasattr(display, "feature_image_"):
        fmap = display.feature_map_
        display.feature_image_.set_data(fmap)
        display.feature_image_.set_clim(fmap.min(), fmap.max())
        display.axes_[-1].title.set_text(feature_map_title(display))
    place_panels(display)


def effective_title(display) -> str:
    over = ""
    if display.n_effective > 1:
        over = text("display.receptive_field.mean_of", n=display.n_effective)
    return text("display.receptive_field.effective", over=over)


def feature_map_title(display) -> str:
    return text(
        "display.receptive_field.feature_map",
        layer=display.layer_name,
        channel=display.channel,
        position=display.position,
    )


def _limits(ax, x, y) -> None:
    """Set ``ax``'s limits where they change: ``set_xlim`` runs its callbacks and unit
    checks even for the limits it has (a redraw per unit move would pay for it)."""
    if ax.get_xlim() != x:
        ax.set_xlim(*x)
    if ax.get_ylim() != y:
        ax.set_ylim(*y)


def _place(rectangle, box) -> None:
    """``rectangle`` around the pixels of ``((top, bottom), (left, right))`` inclusive."""
    (top, bottom), (left, right) = box
    rectangle.set_xy((left - 0.5, top - 0.5))  # pixel i covers i - 0.5 .. i + 0.5
    rectangle.set_width(right - left + 1)
    rectangle.set_height(bottom - top + 1)


def halo():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=3.5, foreground="black", alpha=0.7)


def bare(ax) -> None:
    """No ticks and no frame: the border box frames the image."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _sides(box, height: int, width: int) -> dict:
    """The parts of ``box`` outside the image, ``side -> (y0, y1, x0, x1)`` inclusive."""
    (top, bottom), (left, right) = box
    pieces = {}
    if top < 0:
        pieces["above"] = (top, min(bottom, -1), left, right)
    if bottom > height - 1:
        pieces["below"] = (max(top, height), bottom, left, right)
    y0, y1 = max(top, 0), min(bottom, height - 1)
    if y0 <= y1:  # left and right strips between the top and bottom pieces
        if left < 0:
            pieces["left"] = (y0, y1, left, min(right, -1))
        if right > width - 1:
            pieces["right"] = (y0, y1, max(left, width), right)
    return pieces


def outside(box, height: int, width: int) -> list:
    """The parts of ``box`` outside the image, as ``(y0, y1, x0, x1)`` inclusive pieces."""
    return list(_sides(box, height, width).values())
