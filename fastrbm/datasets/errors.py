"""The errors of fastrbm.datasets, one per way loading MNIST can fail."""


class MNISTFormatError(ValueError):
    """An IDX file is not valid MNIST (bad gzip, wrong magic, wrong size, ...)."""


class MNISTNotFoundError(FileNotFoundError):
    """The requested MNIST source has no data here."""


class MNISTDownloadError(OSError):
    """A download failed; no partial file is left behind."""


class ChecksumMismatchError(MNISTDownloadError):
    """A downloaded file does not have the expected SHA-256; it has been deleted."""


class TFDSUnavailableError(ImportError):
    """tensorflow-datasets is not installed."""
