package org.legonet.core.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the user named as data: the training data and, optionally, separate labels and a test set.
 *
 * @param data       a folder in the Fashion-MNIST layout, a {@code .csv} file or a {@code .npy}
 *                   features file
 * @param labels     the labels {@code .npy} file for {@code .npy} data, or null to look for it
 *                   beside the features ({@code NAME_labels.npy}, or {@code y_train.npy} for
 *                   {@code X_train.npy}); must be null for other data
 * @param test       the test data in any of the forms of {@code data}, or null (a folder's
 *                   {@code t10k} files are its test set)
 * @param testLabels the labels {@code .npy} file for {@code .npy} test data, or null to look for it
 * @param csv        how to read CSV files; null means {@link CsvOptions#DEFAULTS}
 */
public record DataSpec(Path data, Path labels, Path test, Path testLabels, CsvOptions csv) {
    public DataSpec {
        Objects.requireNonNull(data, "data");
        csv = csv == null ? CsvOptions.DEFAULTS : csv;
    }

    /** Just the training data (and, for a folder, its own test set), read with default options. */
    public static DataSpec of(Path data) {
        return new DataSpec(data, null, null, null, null);
    }
}
