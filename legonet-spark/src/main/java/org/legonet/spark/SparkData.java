package org.legonet.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.DataSource;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.CsvReader;
import org.legonet.core.data.DataException;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.data.IdxReader;
import org.legonet.core.data.NpyReader;
import org.legonet.core.data.Splits;

/**
 * Reads the training data of a Spark job from any Hadoop-compatible path ({@code file:}, a plain
 * local path, {@code hdfs://}, {@code s3a://}, ...), split into the public part (on the driver, to
 * fit the encoder and the keys) and the private samples (an RDD, never collected).
 *
 * <p>Formats, chosen from the path:
 * <ul>
 *   <li><b>Parquet</b> (a {@code .parquet} file, or a folder of part files): columns {@code id}
 *       (int or long, unique), {@code label} (int, non-negative) and {@code features} (an array of
 *       float or double, all rows of one length, or a Spark ML vector). Read by Spark on the
 *       executors. The public split is the {@code publicSize} rows with the smallest ids, in
 *       ascending id (the in-process "first N rows" when the ids are row numbers); a limit keeps the
 *       rows with the {@code limit} smallest ids.</li>
 *   <li><b>CSV</b>, <b>.npy</b> (with its labels {@code .npy}) and a <b>Fashion-MNIST IDX folder</b>:
 *       read with core's readers (the same checks and messages as in process) and split by core's
 *       rule (the first {@code publicSize} rows, by default {@link Splits#defaultPublicSize}), so
 *       the public and private splits are exactly the in-process ones and training on Spark gives
 *       the in-process model digest. An uncompressed {@code .npy} (C order) or IDX features file is
 *       read in row ranges: the driver parses its header and reads the labels and the public rows,
 *       and each task reads its own range of private rows. An uncompressed CSV file is read line by
 *       line on the executors with core's rules ({@link CsvReader.Lines}; a quoted cell may not span
 *       lines). A gzip-compressed file, and a Fortran-order {@code .npy}, is read whole on the driver
 *       from a Hadoop stream.</li>
 * </ul>
 * Bad input is a {@link DataException} (a {@link LegoNetException}) whose one-line message names
 * the file and the problem.
 */
public final class SparkData {
    private static final String ACCEPTED = "a Parquet file or folder (columns id, label, features), a Fashion-MNIST "
            + "folder (" + FashionMnist.TRAIN_IMAGES + "[.gz] and " + FashionMnist.TRAIN_LABELS
            + "[.gz]), a .csv file or a .npy features file";
    private static final String FEATURES = "features";

    private SparkData() {
    }

    /**
     * How to read and split the data: the options of the in-process CLI that make sense for training
     * data.
     *
     * @param labels      the labels {@code .npy} file (a Hadoop path or URI) for {@code .npy} data, or
     *                    null to look beside the features ({@code NAME_labels.npy}, or
     *                    {@code y_train.npy} for {@code X_train.npy}); must be null for other data
     * @param labelColumn the label column: for CSV a header name or 0-based index (default: the
     *                    column named {@code label}, else column 0); for Parquet a column name
     *                    (default {@code label}); null for the default
     * @param idColumn    the id column: for CSV a header name or index (default: ids are 0-based
     *                    row numbers); for Parquet a column name (default {@code id}); null for the
     *                    default
     * @param publicSize  the public split's size, or null for the in-process default (10,000 for a
     *                    Fashion-MNIST folder of at least 20,000 rows, else a sixth of the rows)
     * @param limit       use only the first {@code limit} rows (Parquet: the smallest ids), or null
     *                    for all; at least 2
     * @param partitions  the number of partitions of the private samples, at least 1
     */
    public record Options(String labels, String labelColumn, String idColumn, Integer publicSize, Integer limit,
                          int partitions) {
        public Options {
            if (partitions < 1) {
                throw new LegoNetException("the number of input partitions must be at least 1, got " + partitions);
            }
            if (limit != null && limit < 2) {
                throw new LegoNetException("the row limit must be at least 2, got " + limit);
            }
        }

        /** Every default, with the private samples in {@code partitions} partitions. */
        public static Options defaults(int partitions) {
            return new Options(null, null, null, null, null, partitions);
        }
    }

    /**
     * What a job trains on.
     *
     * @param publicSplit    the public split, on the driver (small): fits the encoder and the keys
     * @param privateSamples the private samples, never collected
     * @param source         where the data came from, for the model's manifest (as the CLI records it)
     * @param featureDim     the number of features per sample
     * @param sampleShape    the shape of one sample (e.g. {28, 28} for Fashion-MNIST, {dim} for tables)
     * @param privateRows    the number of private samples
     */
    public record Input(Dataset publicSplit, JavaRDD<Sample> privateSamples, DataSource source, int featureDim,
                        int[] sampleShape, long privateRows) {
    }

    /**
     * Reads the data {@code uri} names (a Hadoop path or URI) and splits it as {@code options} say.
     *
     * @throws DataException     if the data is missing, of an unknown kind or malformed (one line
     *                           naming the file and the problem)
     * @throws LegoNetException  if the options do not fit the data (such as a public split as large
     *                           as the data)
     */
    public static Input read(JavaSparkContext sc, String uri, Options options) {
        Objects.requireNonNull(uri, "uri");
        Options o = options == null ? Options.defaults(sc.defaultParallelism()) : options;
        Path path = hadoopPath(uri);
        FileSystem fs = fileSystem(sc, path, uri);
        FileStatus status = status(fs, path, uri);
        if (status == null) {
            throw error(uri, "no such file or directory; expected " + ACCEPTED);
        }
        String name = path.getName().toLowerCase(Locale.ROOT);
        if (status.isDirectory()) {
            Path images = idxFile(fs, path, FashionMnist.TRAIN_IMAGES, uri);
            Path labels = idxFile(fs, path, FashionMnist.TRAIN_LABELS, uri);
            if (images != null || labels != null) {
                refuseLabels(o, uri, "a folder");
                return readIdxFolder(sc, fs, uri, path, images, labels, o);
            }
            if (name.endsWith(".parquet") || holdsParquet(fs, path, uri)) {
                refuseLabels(o, uri, "Parquet data (name its label column instead)");
                return ParquetInput.read(sc, uri, o);
            }
            throw error(uri, "is a folder but neither a Fashion-MNIST folder nor Parquet data; expected " + ACCEPTED);
        }
        if (name.endsWith(".parquet")) {
            refuseLabels(o, uri, "Parquet data (name its label column instead)");
            return ParquetInput.read(sc, uri, o);
        }
        if (name.endsWith(".csv")) {
            refuseLabels(o, uri, "a CSV file (name its label column instead)");
            CsvOptions csv = CsvOptions.DEFAULTS.withLabelColumn(o.labelColumn()).withIdColumn(o.idColumn());
            if (!gzipped(fs, path, uri)) {
                CsvReader.Lines lines;
                try (InputStream in = open(fs, path, uri)) {
                    lines = CsvReader.Lines.start(in, uri, csv);
                } catch (IOException e) {
                    throw readError(uri, e);
                }
                return CsvInput.read(sc, uri, path.getName(), csv, lines, o);
            }
            Dataset train;
            try (InputStream in = open(fs, path, uri)) {
                train = CsvReader.read(in, uri, path.getName(), csv);
            } catch (IOException e) {
                throw readError(uri, e);
            }
            return onDriver(sc, uri, "CSV file " + uri, train, false, o);
        }
        if (name.endsWith(".npy")) {
            return readNpy(sc, fs, uri, path, o);
        }
        throw error(uri, "unsupported kind of data file; expected " + ACCEPTED);
    }

    private static Input readNpy(JavaSparkContext sc, FileSystem fs, String uri, Path path, Options o) {
        String labelsUri;
        if (o.labels() != null) {
            labelsUri = o.labels();
        } else {
            List<String> names = DataLoader.labelFileNames(path.getName());
            labelsUri = null;
            for (String candidate : names) {
                Path p = new Path(path.getParent(), candidate);
                FileStatus s = status(fs, p, p.toString());
                if (s != null && s.isFile()) {
                    labelsUri = p.toString();
                    break;
                }
            }
            if (labelsUri == null) {
                throw error(uri, "no labels file given and none found beside it (looked for "
                        + String.join(", ", names) + ")");
            }
        }
        Path labelsPath = hadoopPath(labelsUri);
        FileSystem labelsFs = fileSystem(sc, labelsPath, labelsUri);
        NpyReader.Layout layout;
        try (InputStream x = open(fs, path, uri)) {
            layout = NpyReader.layout(x, uri, status(fs, path, uri).getLen());
        } catch (IOException e) {
            throw readError(uri, e);
        }
        if (layout != null) {
            int[] labels;
            try (InputStream y = open(labelsFs, labelsPath, labelsUri)) {
                labels = NpyReader.readLabels(y, labelsUri, uri, layout.rows());
            } catch (IOException e) {
                throw readError(labelsUri, e);
            }
            return inRanges(sc, uri, "NumPy file " + uri, new RowRanges(layout), labels, path.getName(), false, o);
        }
        Dataset train;
        try (InputStream x = open(fs, path, uri); InputStream y = open(labelsFs, labelsPath, labelsUri)) {
            train = NpyReader.readLabelled(x, uri, y, labelsUri, path.getName());
        } catch (IOException e) {
            throw readError(uri, e);
        }
        return onDriver(sc, uri, "NumPy file " + uri, train, false, o);
    }

    private static Input readIdxFolder(JavaSparkContext sc, FileSystem fs, String uri, Path dir, Path images,
                                       Path labels, Options o) {
        if (images == null || labels == null) {
            String missing = images == null ? FashionMnist.TRAIN_IMAGES : FashionMnist.TRAIN_LABELS;
            throw error(uri, "is not a Fashion-MNIST folder: " + missing + " (or " + missing
                    + ".gz) is missing; expected " + FashionMnist.expectedNames());
        }
        String imagesUri = images.toString();
        IdxReader.Layout layout;
        try (InputStream x = open(fs, images, imagesUri)) {
            layout = IdxReader.layout(x, imagesUri, status(fs, images, imagesUri).getLen());
        } catch (IOException e) {
            throw readError(imagesUri, e);
        }
        if (layout != null) {
            int[] labelValues;
            try (InputStream y = open(fs, labels, labels.toString())) {
                labelValues = IdxReader.readLabels(y, labels.toString(), imagesUri, layout.rows());
            } catch (IOException e) {
                throw readError(labels.toString(), e);
            }
            return inRanges(sc, uri, "Fashion-MNIST folder " + uri, new RowRanges(layout), labelValues,
                    images.getName(), true, o);
        }
        Dataset train;
        try (InputStream x = open(fs, images, images.toString()); InputStream y = open(fs, labels, labels.toString())) {
            train = IdxReader.readLabelled(x, images.toString(), y, labels.toString(), images.getName());
        } catch (IOException e) {
            throw readError(uri, e);
        }
        return onDriver(sc, uri, "Fashion-MNIST folder " + uri, train, true, o);
    }

    /**
     * Limits and splits a dataset read on the driver exactly as the in-process CLI does, and hands
     * the private split to Spark in {@code partitions} slices of its row order.
     */
    private static Input onDriver(JavaSparkContext sc, String uri, String what, Dataset read, boolean fashionMnist,
                                  Options o) {
        Dataset train = read;
        if (o.limit() != null && o.limit() < train.size()) {
            train = train.slice(0, o.limit(), train.name());
        }
        int pub = o.publicSize() != null ? o.publicSize()
                : Splits.defaultPublicSize(train.size(), fashionMnist && o.limit() == null);
        Splits splits = Splits.of(train, pub);
        String description = what + ": " + train.size() + " training samples of shape "
                + shapeText(train.sampleShape()) + ", no test set";
        DataSource source = new DataSource(description, uri, spec(uri, o, pub), train.size());
        return new Input(splits.publicSplit(), SparkTrainer.samples(sc, splits.privateSplit(), o.partitions()),
                source, train.dim(), train.sampleShape(), splits.privateSplit().size());
    }

    /**
     * Limits and splits an uncompressed {@code .npy} or IDX file as the in-process CLI does (the first
     * rows are public), reading the public rows on the driver and each range of private rows in the
     * task that needs it.
     */
    private static Input inRanges(JavaSparkContext sc, String uri, String what, RowRanges ranges, int[] labels,
                                  String name, boolean fashionMnist, Options o) {
        int rows = o.limit() != null ? Math.min(o.limit(), ranges.rows()) : ranges.rows();
        int pub = o.publicSize() != null ? o.publicSize()
                : Splits.defaultPublicSize(rows, fashionMnist && o.limit() == null);
        checkPublicSize(pub, rows);
        Dataset publicSplit = ranges.head(sc.hadoopConfiguration(), pub, labels, name + " (public)");
        int[] sampleShape = ranges.sampleShape();
        String description = what + ": " + rows + " training samples of shape " + shapeText(sampleShape)
                + ", no test set";
        DataSource source = new DataSource(description, uri, spec(uri, o, pub), rows);
        return new Input(publicSplit, ranges.samples(sc, pub, rows, labels, o.partitions()), source,
                publicSplit.dim(), sampleShape, rows - pub);
    }

    /** Core's rule for the public split's size ({@link Splits#of}), for data not held as one dataset. */
    static void checkPublicSize(long pub, long rows) {
        if (pub < 1 || pub >= rows) {
            throw new DataException("public split size " + pub + " must be at least 1 and less than the " + rows
                    + " training rows");
        }
    }

    /** How to read the data again, with the keys the CLI records ({@code data}, {@code public}, ...). */
    static Map<String, Object> spec(String uri, Options o, int pub) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("data", recorded(uri));
        if (o.labels() != null) {
            spec.put("labels", recorded(o.labels()));
        }
        if (o.labelColumn() != null) {
            spec.put("label_column", o.labelColumn());
        }
        if (o.idColumn() != null) {
            spec.put("id_column", o.idColumn());
        }
        spec.put("public", pub);
        if (o.limit() != null) {
            spec.put("limit", o.limit());
        }
        return spec;
    }

    /** A URI as given; a plain path made absolute, as the CLI records local paths. */
    private static String recorded(String uri) {
        URI parsed = hadoopPath(uri).toUri();
        if (parsed.getScheme() != null) {
            return uri;
        }
        return java.nio.file.Path.of(uri).toAbsolutePath().normalize().toString();
    }

    private static void refuseLabels(Options o, String uri, String kind) {
        if (o.labels() != null) {
            throw error(o.labels(), "a labels file applies only to .npy data, but " + uri + " is " + kind);
        }
    }

    /** The IDX file {@code name} of a folder, plain or {@code .gz} (as core's FashionMnist.find), or null. */
    private static Path idxFile(FileSystem fs, Path dir, String name, String uri) {
        for (String candidate : List.of(name, name + ".gz")) {
            Path p = new Path(dir, candidate);
            FileStatus s = status(fs, p, uri);
            if (s != null && s.isFile()) {
                return p;
            }
        }
        return null;
    }

    /** Whether the file starts with the gzip magic bytes (core's readers decompress by content, not name). */
    private static boolean gzipped(FileSystem fs, Path path, String uri) {
        try (InputStream in = open(fs, path, uri)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            throw readError(uri, e);
        }
    }

    private static boolean holdsParquet(FileSystem fs, Path dir, String uri) {
        try {
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.getPath().getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw readError(uri, e);
        }
    }

    static Path hadoopPath(String uri) {
        try {
            return new Path(uri);
        } catch (IllegalArgumentException e) {
            throw error(uri, "not a valid path or URI (" + e.getMessage() + ")");
        }
    }

    private static FileSystem fileSystem(JavaSparkContext sc, Path path, String uri) {
        try {
            return path.getFileSystem(sc.hadoopConfiguration());
        } catch (IOException e) {
            throw readError(uri, e);
        }
    }

    private static FileStatus status(FileSystem fs, Path path, String uri) {
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw readError(uri, e);
        }
    }

    private static InputStream open(FileSystem fs, Path path, String uri) {
        try {
            return fs.open(path);
        } catch (FileNotFoundException e) {
            throw error(uri, "no such file");
        } catch (IOException e) {
            throw readError(uri, e);
        }
    }

    static DataException error(String uri, String problem) {
        return new DataException((uri + ": " + problem).replaceAll("\\R", " "));
    }

    private static DataException readError(String uri, IOException e) {
        return new DataException((uri + ": cannot read (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")").replaceAll("\\R", " "), e);
    }

    static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return sb.toString();
    }
}
