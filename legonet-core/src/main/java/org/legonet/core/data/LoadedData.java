package org.legonet.core.data;

/**
 * The datasets a {@link DataSpec} names, ready to train and evaluate on.
 *
 * @param train              the training data
 * @param test               the test data, or null when none was given
 * @param description        one line saying where the data came from and how much there is
 * @param fashionMnistLayout whether the data came from a folder in the Fashion-MNIST layout (which
 *                           decides the default public split size)
 */
public record LoadedData(Dataset train, Dataset test, String description, boolean fashionMnistLayout) {
}
