package org.legonet.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns what the user named (a Fashion-MNIST folder, a CSV file or NumPy files) into training and
 * test datasets, choosing the reader from the path: a folder, or the {@code .csv} / {@code .npy}
 * extension.
 */
public final class DataLoader {
    private static final String ACCEPTED = "a Fashion-MNIST folder (" + FashionMnist.TRAIN_IMAGES + "[.gz] and "
            + FashionMnist.TRAIN_LABELS + "[.gz], optionally " + FashionMnist.TEST_IMAGES + "[.gz] and "
            + FashionMnist.TEST_LABELS + "[.gz]), a .csv file or a .npy features file";

    private DataLoader() {
    }

    /** Reads the training data and, if there is one, the test set that {@code spec} names. */
    public static LoadedData load(DataSpec spec) {
        Path data = spec.data();
        if (spec.test() == null && spec.testLabels() != null) {
            throw DataFiles.error(spec.testLabels(), "test labels given without test data");
        }
        if (!Files.exists(data)) {
            throw DataFiles.error(data, "no such file or directory; expected " + ACCEPTED);
        }
        boolean folder = Files.isDirectory(data);
        if (folder && spec.labels() != null) {
            throw DataFiles.error(spec.labels(), "a labels file applies only to .npy data, but " + data
                    + " is a folder");
        }
        Dataset train = folder ? readFolder(data, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, true)
                : readFile(data, spec.labels(), spec.csv());
        Dataset test;
        if (spec.test() != null) {
            test = readTest(spec.test(), spec.testLabels(), spec.csv());
        } else {
            test = folder ? readFolder(data, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, false) : null;
        }
        if (test != null && !Arrays.equals(test.sampleShape(), train.sampleShape())) {
            throw new DataException(DataFiles.oneLine("test data " + test.name() + " has samples of shape "
                    + shapeText(test.sampleShape()) + " but the training data " + train.name() + " has "
                    + shapeText(train.sampleShape())));
        }
        String source = folder ? "Fashion-MNIST folder " + data : kindOf(data) + " file " + data;
        String description = source + ": " + train.size() + " training samples of shape "
                + shapeText(train.sampleShape()) + ", "
                + (test == null ? "no test set" : test.size() + " test samples");
        return new LoadedData(train, test, description, folder);
    }

    /**
     * The labels files tried for a {@code .npy} features file given without one, in order:
     * {@code y_REST.npy} for {@code X_REST.npy} or {@code x_REST.npy}, then {@code NAME_labels.npy}.
     */
    static List<Path> labelCandidates(Path features) {
        return labelFileNames(features.getFileName().toString()).stream().map(features::resolveSibling).toList();
    }

    /**
     * The names of the labels files tried, in order, beside a {@code .npy} features file named
     * {@code featuresFile} given without one (see {@link #load}): {@code y_REST.npy} for
     * {@code X_REST.npy} or {@code x_REST.npy}, then {@code NAME_labels.npy}.
     */
    public static List<String> labelFileNames(String featuresFile) {
        String stem = featuresFile.substring(0, featuresFile.length() - ".npy".length());
        List<String> candidates = new ArrayList<>();
        if (stem.startsWith("X_") || stem.startsWith("x_")) {
            candidates.add("y_" + stem.substring(2) + ".npy");
        }
        candidates.add(stem + "_labels.npy");
        return candidates;
    }

    private static Dataset readTest(Path test, Path testLabels, CsvOptions csv) {
        if (!Files.exists(test)) {
            throw DataFiles.error(test, "no such file or directory; expected " + ACCEPTED);
        }
        if (Files.isDirectory(test)) {
            if (testLabels != null) {
                throw DataFiles.error(testLabels, "a labels file applies only to .npy data, but " + test
                        + " is a folder");
            }
            return readFolder(test, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, true);
        }
        return readFile(test, testLabels, csv);
    }

    private static Dataset readFile(Path file, Path labels, CsvOptions csv) {
        String kind = kindOf(file);
        if (kind.equals("CSV")) {
            if (labels != null) {
                throw DataFiles.error(labels, "a labels file applies only to .npy data, but " + file
                        + " is a CSV file (name its label column instead)");
            }
            return CsvReader.read(file, csv);
        }
        Path labelFile = labels != null ? labels : labelCandidates(file).stream()
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(() -> DataFiles.error(file, "no labels file given and none found beside it (looked for "
                        + String.join(", ", labelCandidates(file).stream()
                                .map(p -> p.getFileName().toString()).toList()) + ")"));
        return NpyReader.readLabelled(file, labelFile, file.getFileName().toString());
    }

    /**
     * The images and labels pair {@code images}/{@code labels} of a Fashion-MNIST folder, or null
     * when neither exists and the pair is optional.
     */
    private static Dataset readFolder(Path dir, String images, String labels, boolean required) {
        Optional<Path> x = FashionMnist.find(dir, images);
        Optional<Path> y = FashionMnist.find(dir, labels);
        if (x.isEmpty() && y.isEmpty() && !required) {
            return null;
        }
        if (x.isEmpty() || y.isEmpty()) {
            String missing = x.isEmpty() ? images : labels;
            throw DataFiles.error(dir, "is not a Fashion-MNIST folder: " + missing + " (or " + missing
                    + ".gz) is missing; expected " + FashionMnist.expectedNames());
        }
        return IdxReader.readLabelled(x.get(), y.get(), x.get().getFileName().toString());
    }

    private static String kindOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "CSV";
        }
        if (name.endsWith(".npy")) {
            return "NumPy";
        }
        throw DataFiles.error(file, "unsupported kind of data file; expected " + ACCEPTED);
    }

    private static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return sb.toString();
    }
}
