package org.legonet.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.DataException;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.data.LoadedData;
import org.legonet.core.data.Splits;
import org.legonet.core.Progress;
import picocli.CommandLine.Option;

/** Where the data comes from and how it is split. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "PATH",
            description = {"Training data: a folder in the Fashion-MNIST IDX layout, a .csv file or a .npy features file.",
                    "Default: Fashion-MNIST from $LEGONET_DATA, ../shared/datasets/fashion-mnist or the user cache; "
                            + "when none has it, it is downloaded into the cache (about 30 MB)."})
    Path data;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels .npy for .npy training data "
            + "(default: NAME_labels.npy, or y_train.npy beside X_train.npy).")
    Path labels;

    @Option(names = "--test", paramLabel = "PATH", description = "Test data in any form --data takes "
            + "(a folder's t10k files are its test set).")
    Path test;

    @Option(names = "--test-labels", paramLabel = "FILE", description = "Labels .npy for .npy test data.")
    Path testLabels;

    @Option(names = "--label-column", paramLabel = "COL", description = "CSV label column, by header name or "
            + "0-based index (default: the column named 'label', else column 0).")
    String labelColumn;

    @Option(names = "--id-column", paramLabel = "COL", description = "CSV id column (default: ids are 0-based row numbers).")
    String idColumn;

    @Option(names = "--public", paramLabel = "N", description = "Public split: the first N training rows, used to fit "
            + "the encoder and the keys and never deleted (default: 10,000 for Fashion-MNIST, one sixth otherwise).")
    Integer publicSize;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training rows (quick experiments).")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "Use only the first N test rows.")
    Integer testLimit;

    /** The data as loaded, split and limited. */
    public record Prepared(Dataset publicSplit, Dataset privateSplit, Dataset test, String description, Path source,
                           Map<String, Object> spec, int trainRows) {
    }

    /**
     * Whether the default Fashion-MNIST may be replaced by the sample bundled with legonet-core when
     * the full set is neither found nor downloadable (set by {@code quickstart}, so it runs on an
     * offline machine; commands that report figures leave it off).
     */
    boolean sampleWhenOffline;

    /** Loads and splits the data named by these options (or the default Fashion-MNIST). */
    Prepared prepare(Progress progress) {
        if (data != null) {
            return prepare(data, false, progress);
        }
        Located found = locateFashionMnist(progress, sampleWhenOffline);
        return prepare(found.dir(), found.sample(), progress);
    }

    /** Refuses a {@code --limit} or {@code --test-limit} too small to mean anything. */
    void checkLimits() {
        if (limit != null && limit < 2) {
            throw new LegoNetException("--limit must be at least 2, got " + limit);
        }
        if (testLimit != null && testLimit < 1) {
            throw new LegoNetException("--test-limit must be at least 1, got " + testLimit);
        }
    }

    private Prepared prepare(Path source, boolean sample, Progress progress) {
        checkLimits();
        LoadedData loaded = read(new DataSpec(source, labels, test, testLabels,
                CsvOptions.DEFAULTS.withLabelColumn(labelColumn).withIdColumn(idColumn)), progress);
        Dataset train = loaded.train();
        if (limit != null && limit < train.size()) {
            train = train.slice(0, limit, train.name());
        }
        int pub = publicSize != null ? publicSize
                : Splits.defaultPublicSize(new LoadedData(train, loaded.test(), loaded.description(),
                        loaded.fashionMnistLayout() && limit == null));
        Splits splits = Splits.of(train, pub);
        Dataset t = loaded.test();
        if (t != null && testLimit != null && testLimit < t.size()) {
            t = t.slice(0, testLimit, t.name());
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("data", source.toAbsolutePath().normalize().toString());
        putPath(spec, "labels", labels);
        putPath(spec, "test", test);
        putPath(spec, "test_labels", testLabels);
        if (labelColumn != null) {
            spec.put("label_column", labelColumn);
        }
        if (idColumn != null) {
            spec.put("id_column", idColumn);
        }
        spec.put("public", pub);
        if (limit != null) {
            spec.put("limit", limit);
        }
        if (testLimit != null) {
            spec.put("test_limit", testLimit);
        }
        String description = sample ? FashionMnist.SAMPLE_DESCRIPTION + " in " + source : loaded.description();
        return new Prepared(splits.publicSplit(), splits.privateSplit(), t, description, source, spec, train.size());
    }

    /** Reads the data {@code spec} names, showing one progress step: the one way the CLI reads labelled data. */
    static LoadedData read(DataSpec spec, Progress progress) {
        progress.start("read " + spec.data().getFileName(), 1);
        try {
            return DataLoader.load(spec);
        } finally {
            progress.finish();
        }
    }

    private static void putPath(Map<String, Object> spec, String key, Path p) {
        if (p != null) {
            spec.put(key, p.toAbsolutePath().normalize().toString());
        }
    }

    /** Options equal to those recorded in a manifest, so {@code eval} reads the same data again. */
    static DataOptions fromSpec(Map<String, Object> spec) {
        DataOptions o = new DataOptions();
        if (spec == null || spec.get("data") == null) {
            throw new LegoNetException("the model does not record where its data came from; pass --data");
        }
        o.data = Path.of((String) spec.get("data"));
        o.labels = path(spec, "labels");
        o.test = path(spec, "test");
        o.testLabels = path(spec, "test_labels");
        o.labelColumn = (String) spec.get("label_column");
        o.idColumn = (String) spec.get("id_column");
        o.publicSize = spec.get("public") instanceof Number ? ((Number) spec.get("public")).intValue() : null;
        o.limit = spec.get("limit") instanceof Number ? ((Number) spec.get("limit")).intValue() : null;
        o.testLimit = spec.get("test_limit") instanceof Number ? ((Number) spec.get("test_limit")).intValue() : null;
        if (!Files.exists(o.data)) {
            throw new LegoNetException("the model's training data " + o.data + " is gone; pass --data");
        }
        return o;
    }

    /**
     * The data a command on an existing model reads: these options when they name the data, else the
     * data the model recorded ({@code spec}, the manifest's) with any option given here taking
     * precedence.
     */
    DataOptions orRecorded(Map<String, Object> spec) {
        return anyGiven() && data != null ? this : fromSpec(spec).overriddenBy(this);
    }

    /** These options, with {@code override}'s explicitly given fields taking precedence. */
    DataOptions overriddenBy(DataOptions override) {
        DataOptions o = new DataOptions();
        o.data = override.data != null ? override.data : data;
        o.labels = override.labels != null ? override.labels : labels;
        o.test = override.test != null ? override.test : test;
        o.testLabels = override.testLabels != null ? override.testLabels : testLabels;
        o.labelColumn = override.labelColumn != null ? override.labelColumn : labelColumn;
        o.idColumn = override.idColumn != null ? override.idColumn : idColumn;
        o.publicSize = override.publicSize != null ? override.publicSize : publicSize;
        o.limit = override.limit != null ? override.limit : limit;
        o.testLimit = override.testLimit != null ? override.testLimit : testLimit;
        return o;
    }

    boolean anyGiven() {
        return data != null || test != null || labels != null || testLabels != null || labelColumn != null
                || idColumn != null || publicSize != null || limit != null || testLimit != null;
    }

    private static Path path(Map<String, Object> spec, String key) {
        Object v = spec.get(key);
        return v == null ? null : Path.of((String) v);
    }

    /** A Fashion-MNIST folder, and whether it holds only the bundled sample. */
    record Located(Path dir, boolean sample) {
    }

    /**
     * Fashion-MNIST from the usual places, else downloaded into the user cache. When that fails too
     * and {@code sampleWhenOffline} holds, the bundled sample written to
     * {@link FashionMnist#sampleDir}, with one line on stderr saying so; otherwise an error naming
     * every place looked at.
     */
    static Located locateFashionMnist(Progress progress, boolean sampleWhenOffline) {
        String home = System.getProperty("legonet.home");
        Map<String, String> env = System.getenv();
        Path cwd = Path.of("").toAbsolutePath();
        Path repository = home == null ? null : Path.of(home);
        Optional<Path> found = FashionMnist.locate(env, cwd, repository);
        if (found.isPresent()) {
            return new Located(found.get(), false);
        }
        String looked = "$" + FashionMnist.ENV_VARIABLE + " (unset), " + FashionMnist.searchPath(env, cwd, repository)
                .stream().map(Path::toString).collect(Collectors.joining(", "));
        Path cache = FashionMnist.cacheDir(env);
        System.err.println("Fashion-MNIST was not found (" + looked + ");");
        System.err.println("downloading it (about 30 MB) from " + FashionMnist.DOWNLOAD_BASE + " into " + cache + " ...");
        try {
            return new Located(FashionMnist.download(cache, progress), false);
        } catch (DataException e) {
            if (!sampleWhenOffline) {
                throw new LegoNetException("no Fashion-MNIST in " + looked + ", and " + e.getMessage()
                        + "; or pass --data with data of your own");
            }
            Path sample = FashionMnist.writeSample(FashionMnist.sampleDir(env));
            System.err.println("note: the download failed (" + reason(e) + "); using " + FashionMnist.SAMPLE_DESCRIPTION
                    + " in " + sample + ", so the figures are not those of the full set");
            return new Located(sample, true);
        }
    }

    /** Why a download failed, in a few words: the underlying error rather than the advice around it. */
    private static String reason(DataException e) {
        Throwable cause = e.getCause();
        if (cause == null) {
            return e.getMessage();
        }
        return cause.getMessage() == null || cause.getMessage().isBlank() ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage().strip().replaceAll("\\R", " ");
    }
}
