"""Image upload options: the panel in the upload pane, and the per-item override dialog."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from s3uploader_gui.core.imaging.formats import avif_supported
from s3uploader_gui.core.imaging.options import (
    MAX_EDGE_CHOICES,
    ImageOptions,
    MetadataPolicy,
    OutputFormat,
)

SETTINGS_GROUP = "imageOptions"
_CUSTOM = -1


def options_to_settings(settings: QSettings, options: ImageOptions) -> None:
    """Store ``options`` under ``imageOptions/`` in ``settings``."""
    settings.beginGroup(SETTINGS_GROUP)
    settings.setValue("maxEdge", options.max_edge or 0)
    settings.setValue("format", options.format.value)
    settings.setValue("quality", options.quality)
    settings.setValue("metadata", options.metadata.value)
    settings.setValue("toSrgb", options.to_srgb)
    settings.setValue("background", QColor(*options.background).name())
    settings.endGroup()


def _number(value: object) -> int:
    """``int(value)`` of a stored number (an INI file gives it back as a string)."""
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


def options_from_settings(settings: QSettings) -> ImageOptions:
    """The options stored by ``options_to_settings`` (defaults for anything missing/bad)."""
    default = ImageOptions()
    settings.beginGroup(SETTINGS_GROUP)
    try:
        edge = _number(settings.value("maxEdge", 0) or 0)
        fmt = str(settings.value("format", default.format.value))
        quality = _number(settings.value("quality", default.quality) or default.quality)
        meta = str(settings.value("metadata", default.metadata.value))
        to_srgb = settings.value("toSrgb", False, type=bool)
        colour = QColor(str(settings.value("background", "#ffffff")))
    finally:
        settings.endGroup()
    try:
        return ImageOptions(
            max_edge=edge if edge > 0 else None,
            format=OutputFormat(fmt),
            quality=max(1, min(100, quality)),
            metadata=MetadataPolicy(meta),
            to_srgb=bool(to_srgb),
            background=(colour.red(), colour.green(), colour.blue())
            if colour.isValid()
            else default.background,
        )
    except ValueError:
        return default


class ImageOptionsEditor(QWidget):
    """The controls for one ``ImageOptions`` (used by the panel and the dialog).

    Signals:
        changed(): the user changed any option.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._background = QColor("#ffffff")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)

        self.size_combo = QComboBox(self)
        self.size_combo.setAccessibleName(self.tr("Resize to fit"))
        self.size_combo.setToolTip(
            self.tr("Longest edge of uploaded images; smaller images are never enlarged")
        )
        self.size_combo.addItem(self.tr("Original size"), 0)
        for edge in MAX_EDGE_CHOICES:
            self.size_combo.addItem(self.tr("%1 px").replace("%1", str(edge)), edge)
        self.size_combo.addItem(self.tr("Custom…"), _CUSTOM)
        self.custom_spin = QSpinBox(self)
        self.custom_spin.setRange(16, 20000)
        self.custom_spin.setValue(1024)
        self.custom_spin.setSuffix(self.tr(" px"))
        self.custom_spin.setAccessibleName(self.tr("Custom longest edge"))
        self.custom_spin.setVisible(False)

        self.format_combo = QComboBox(self)
        self.format_combo.setAccessibleName(self.tr("Output format"))
        self.format_combo.addItem(self.tr("Same as original"), OutputFormat.KEEP.value)
        self.format_combo.addItem("JPEG", OutputFormat.JPEG.value)
        self.format_combo.addItem("WebP", OutputFormat.WEBP.value)
        self.format_combo.addItem("PNG", OutputFormat.PNG.value)
        if avif_supported():
            self.format_combo.addItem("AVIF", OutputFormat.AVIF.value)

        self.quality_spin = QSpinBox(self)
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setValue(85)
        self.quality_spin.setAccessibleName(self.tr("Quality"))
        self.quality_spin.setToolTip(self.tr("JPEG, WebP and AVIF quality (1–100)"))

        self.metadata_combo = QComboBox(self)
        self.metadata_combo.setAccessibleName(self.tr("Metadata"))
        self.metadata_combo.addItem(
            self.tr("Remove location (GPS)"), MetadataPolicy.STRIP_LOCATION.value
        )
        self.metadata_combo.addItem(self.tr("Remove all metadata"), MetadataPolicy.STRIP_ALL.value)
        self.metadata_combo.addItem(self.tr("Keep all metadata"), MetadataPolicy.KEEP.value)
        self.metadata_combo.setToolTip(
            self.tr("EXIF/XMP metadata in uploaded images; the colour profile is always kept")
        )

        self.srgb_box = QCheckBox(self.tr("Convert colours to sRGB"), self)
        self.srgb_box.setToolTip(
            self.tr("Convert images with another colour profile (Adobe RGB, P3…) to sRGB")
        )
        self.background_button = QPushButton(self)
        self.background_button.setAccessibleName(self.tr("JPEG background colour"))
        self.background_button.setToolTip(
            self.tr("Transparent areas are filled with this colour when saving as JPEG")
        )
        self.background_button.clicked.connect(self._on_pick_background)
        self._paint_background_button()

        size_row = QHBoxLayout()
        size_row.setContentsMargins(0, 0, 0, 0)
        size_row.addWidget(self.size_combo, 1)
        size_row.addWidget(self.custom_spin)
        quality_row = QHBoxLayout()
        quality_row.setContentsMargins(0, 0, 0, 0)
        quality_row.addWidget(self.quality_spin)
        quality_row.addSpacing(12)
        quality_row.addWidget(QLabel(self.tr("Background:"), self))
        quality_row.addWidget(self.background_button, 1)
        rows: list[tuple[str, object]] = [
            (self.tr("Resize:"), size_row),
            (self.tr("Format:"), self.format_combo),
            (self.tr("Quality:"), quality_row),
            (self.tr("Metadata:"), self.metadata_combo),
        ]
        for row, (label, field_) in enumerate(rows):
            grid.addWidget(QLabel(label, self), row, 0)
            if isinstance(field_, QHBoxLayout):
                grid.addLayout(field_, row, 1)
            elif isinstance(field_, QWidget):
                grid.addWidget(field_, row, 1)
        grid.addWidget(self.srgb_box, len(rows), 0, 1, 2)
        grid.setColumnStretch(1, 1)

        self.size_combo.currentIndexChanged.connect(self._on_size_changed)
        self.custom_spin.valueChanged.connect(self._on_any_change)
        self.format_combo.currentIndexChanged.connect(self._on_any_change)
        self.quality_spin.valueChanged.connect(self._on_any_change)
        self.metadata_combo.currentIndexChanged.connect(self._on_any_change)
        self.srgb_box.toggled.connect(self._on_any_change)
        self._update_enabled()

    # -- values ----------------------------------------------------------------------
    def options(self) -> ImageOptions:
        """The options the controls show."""
        edge = int(self.size_combo.currentData())
        if edge == _CUSTOM:
            edge = self.custom_spin.value()
        c = self._background
        return ImageOptions(
            max_edge=edge or None,
            format=OutputFormat(self.format_combo.currentData()),
            quality=self.quality_spin.value(),
            metadata=MetadataPolicy(self.metadata_combo.currentData()),
            to_srgb=self.srgb_box.isChecked(),
            background=(c.red(), c.green(), c.blue()),
        )

    def set_options(self, options: ImageOptions) -> None:
        """Show ``options`` (emits ``changed`` once)."""
        widgets = (
            self.size_combo,
            self.custom_spin,
            self.format_combo,
            self.quality_spin,
            self.metadata_combo,
            self.srgb_box,
        )
        for w in widgets:
            w.blockSignals(True)
        try:
            edge = options.max_edge or 0
            i = self.size_combo.findData(edge)
            if i < 0:
                i = self.size_combo.findData(_CUSTOM)
                self.custom_spin.setValue(edge)
            self.size_combo.setCurrentIndex(i)
            j = self.format_combo.findData(options.format.value)
            self.format_combo.setCurrentIndex(max(0, j))
            self.quality_spin.setValue(options.quality)
            self.metadata_combo.setCurrentIndex(
                max(0, self.metadata_combo.findData(options.metadata.value))
            )
            self.srgb_box.setChecked(options.to_srgb)
            self._background = QColor(*options.background)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._paint_background_button()
        self._update_enabled()
        self.changed.emit()

    # -- reactions -------------------------------------------------------------------
    def _update_enabled(self) -> None:
        custom = self.size_combo.currentData() == _CUSTOM
        self.custom_spin.setVisible(custom)
        fmt = self.format_combo.currentData()
        self.quality_spin.setEnabled(fmt != OutputFormat.PNG.value)
        self.background_button.setEnabled(fmt in (OutputFormat.JPEG.value, OutputFormat.KEEP.value))

    def _paint_background_button(self) -> None:
        name = self._background.name()
        self.background_button.setText(name)
        text = "#000000" if self._background.lightness() > 128 else "#ffffff"
        self.background_button.setStyleSheet(f"background-color: {name}; color: {text};")

    @Slot(int)
    def _on_size_changed(self, _index: int) -> None:
        self._update_enabled()
        self.changed.emit()

    @Slot()
    def _on_any_change(self) -> None:
        self._update_enabled()
        self.changed.emit()

    @Slot()
    def _on_pick_background(self) -> None:
        colour = QColorDialog.getColor(
            self._background, self, self.tr("Background for transparent areas")
        )
        if colour.isValid():
            self._background = colour
            self._paint_background_button()
            self.changed.emit()


class UploadOptionsPanel(QGroupBox):
    """The image options applied to uploads, remembered in QSettings between runs.

    Signals:
        optionsChanged(): the user changed an option (already saved).
    """

    optionsChanged = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Images"))
        self.setObjectName("imageOptionsPanel")
        self.settings = settings
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        self.editor = ImageOptionsEditor(self)
        layout.addWidget(self.editor)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.editor.set_options(options_from_settings(settings))
        self.editor.changed.connect(self._on_editor_changed)

    def options(self) -> ImageOptions:
        return self.editor.options()

    def set_options(self, options: ImageOptions) -> None:
        self.editor.set_options(options)

    @Slot()
    def _on_editor_changed(self) -> None:
        options_to_settings(self.settings, self.editor.options())
        self.optionsChanged.emit()


class ImageOptionsDialog(QDialog):
    """Edits the image options of some queue items (a per-item override)."""

    def __init__(self, options: ImageOptions, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Image options for %n item(s)", "", count))
        layout = QVBoxLayout(self)
        note = QLabel(
            self.tr("These options replace the panel's for the %n selected item(s).", "", count),
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.editor = ImageOptionsEditor(self)
        self.editor.set_options(options)
        layout.addWidget(self.editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            Qt.Orientation.Horizontal,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def options(self) -> ImageOptions:
        return self.editor.options()
