"""Drawing helpers shared by the gallery examples (not an example itself)."""
import matplotlib.pyplot as plt
import numpy as np


def show_digits(rows, titles=None, image_shape=(28, 28), size=0.9):
    """One row of images per entry of ``rows`` (each an array (n, h*w) in [0, 1]); returns the figure."""
    rows = [np.asarray(r) for r in rows]
    n_cols = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(size * n_cols, size * len(rows) + 0.3), squeeze=False)
    for i, row in enumerate(rows):
        for j, ax in enumerate(axes[i]):
            ax.set_axis_off()
            if j < len(row):
                ax.imshow(row[j].reshape(image_shape), cmap="gray_r", vmin=0, vmax=1)
        if titles:
            axes[i][0].set_title(titles[i], loc="left", fontsize=9)
    fig.tight_layout()
    return fig
