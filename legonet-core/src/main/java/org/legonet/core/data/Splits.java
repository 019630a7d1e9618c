package org.legonet.core.data;

/**
 * The training data divided in two: a public split (used to fit the fixed encoder and the keys,
 * never forgotten) and a private split (the samples the adapters learn and may later unlearn).
 *
 * @param publicSplit  the first rows of the training data
 * @param privateSplit the remaining rows, with their ids unchanged
 */
public record Splits(Dataset publicSplit, Dataset privateSplit) {
    /** The public split size used for the full Fashion-MNIST training set. */
    public static final int FASHION_MNIST_PUBLIC_SIZE = 10_000;

    /**
     * Splits {@code train} into its first {@code publicSize} rows and the rest. Both parts must be
     * non-empty.
     */
    public static Splits of(Dataset train, int publicSize) {
        if (publicSize < 1 || publicSize >= train.size()) {
            throw new DataException("public split size " + publicSize + " must be at least 1 and less than the "
                    + train.size() + " training rows");
        }
        return new Splits(train.slice(0, publicSize, train.name() + " (public)"),
                train.slice(publicSize, train.size(), train.name() + " (private)"));
    }

    /**
     * 10,000 for the Fashion-MNIST layout with at least 20,000 training rows; otherwise a sixth of
     * the training rows (at least 1), which keeps the same public-to-private proportion.
     */
    public static int defaultPublicSize(LoadedData data) {
        return defaultPublicSize(data.train().size(), data.fashionMnistLayout());
    }

    /**
     * {@link #defaultPublicSize(LoadedData)} for data known by its row count, such as data that
     * another engine reads without holding it in memory.
     */
    public static int defaultPublicSize(long rows, boolean fashionMnistLayout) {
        if (fashionMnistLayout && rows >= 2 * FASHION_MNIST_PUBLIC_SIZE) {
            return FASHION_MNIST_PUBLIC_SIZE;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, rows / 6));
    }
}
