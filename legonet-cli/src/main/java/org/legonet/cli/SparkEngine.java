package org.legonet.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.IdKey;
import org.legonet.core.Accuracy;
import org.legonet.core.DataFit;
import org.legonet.core.Edit;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.TrainStats;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.LoadedData;
import org.legonet.spark.SparkData;
import org.legonet.spark.SparkModel;
import org.legonet.spark.SparkTrainer;
import org.legonet.spark.SparkUnlearner;
import org.legonet.spark.SparkVerifier;

/**
 * The commands' work as Spark jobs ({@code --engine spark}), with the {@code legonet-spark} module.
 * The only class of the CLI that names a Spark class: the commands reach it only when Spark was
 * asked for, so in-process commands never load Spark. Each call starts a Spark context for the one
 * command and stops it at the end; what the command prints, and its errors and exit codes, are
 * those of the in-process path.
 */
final class SparkEngine {
    private SparkEngine() {
    }

    /**
     * Trains on Spark and writes the model directory: the input read by {@link SparkData#read}
     * (the public split on the driver, the private samples as an RDD), the encoder and keys fitted
     * on the driver, the adapters trained one task each. Same configuration fitting, notices and
     * result as {@link TrainCommand#trainAndSave}; the test set, if any, is read and evaluated on
     * the driver.
     *
     * @param dataUri   {@code --data} as typed (a path or a Hadoop URI), or null for the default data
     * @param labelsUri {@code --labels} as typed, or null
     */
    static TrainCommand.Result train(EngineOptions engine, Path model, boolean force, DataOptions data, String dataUri,
                                     String labelsUri, ModelConfig config, boolean defaultEncoder, CommonOptions common,
                                     PrintWriter err, IdKeyOptions.NewKey key) {
        CliProgress progress = common.progress();
        String uri = dataUri != null ? dataUri : DataOptions.locateFashionMnist(progress, false).dir().toString();
        try (JavaSparkContext sc = context(engine, "train")) {
            int partitions = engine.partitions != null ? engine.partitions : sc.defaultParallelism();
            SparkData.Input in = SparkData.read(sc, uri, new SparkData.Options(labelsUri, data.labelColumn,
                    data.idColumn, data.publicSize, data.limit, partitions));
            List<DataFit.Notice> notices = new ArrayList<>();
            ModelConfig fitted = TrainCommand.fitted(config, defaultEncoder, in.featureDim(), in.publicSplit().size(),
                    in.privateRows(), notices);
            TrainStats stats;
            try (SparkModel trained = new SparkTrainer(fitted, common.threads, progress)
                    .train(sc, in.publicSplit(), in.privateSamples())) {
                TrainCommand.printNotices(err, notices, fitted, in.privateRows());
                key.persist();
                trained.save(model, force, in.source(), key.key());
                stats = trained.stats();
            }
            Dataset test = testSet(data, uri);
            try (LegoNet net = LegoNet.open(model, new LegoNet.Options(common.threads, progress))) {
                Accuracy accuracy = test == null ? null : net.evaluate(test);
                return new TrainCommand.Result(model, net.info(), stats, accuracy, in.source().description(),
                        in.publicSplit().size(), List.copyOf(notices), key);
            }
        }
    }

    /**
     * Applies {@code edit} to the model directory with the adapters retrained on Spark, and commits;
     * {@code key} is the model's id key (or null).
     */
    static UpdateReport update(EngineOptions engine, Path model, Edit edit, CommonOptions common, String command,
                               IdKey key) {
        try (JavaSparkContext sc = context(engine, command)) {
            return SparkUnlearner.update(sc, model, key, edit, common.threads, common.progress());
        }
    }

    /** Rebuilds every adapter of the model directory on Spark and compares, as {@code verify} does in process. */
    static VerifyReport verify(EngineOptions engine, Path model, CommonOptions common) {
        try (JavaSparkContext sc = context(engine, "verify")) {
            return SparkVerifier.verify(sc, model, common.threads, common.progress());
        }
    }

    /**
     * A Spark context for one command: the settings spark-submit passed (as {@code spark.*} system
     * properties), then {@code --spark-conf}, then {@code --master}; with no master anywhere,
     * {@value EngineOptions#DEFAULT_MASTER}.
     */
    private static JavaSparkContext context(EngineOptions engine, String command) {
        SparkConf conf = new SparkConf();
        engine.conf.forEach(conf::set);
        if (engine.master != null) {
            conf.setMaster(engine.master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster(EngineOptions.DEFAULT_MASTER);
        }
        conf.setIfMissing("spark.app.name", "legonet " + command);
        try {
            return new JavaSparkContext(conf);
        } catch (Exception e) { // Scala throws SparkException (checked in Java) undeclared
            if (e instanceof LegoNetException l) {
                throw l;
            }
            throw new LegoNetException("cannot start Spark with master " + conf.get("spark.master") + ": "
                    + e.getMessage());
        }
    }

    /**
     * The test set, read on the driver as in process: {@code --test} (a folder's {@code t10k}
     * files, or a file), else the {@code t10k} files of a local {@code --data} folder; null when
     * there is none.
     */
    private static Dataset testSet(DataOptions data, String uri) {
        CsvOptions csv = CsvOptions.DEFAULTS.withLabelColumn(data.labelColumn).withIdColumn(data.idColumn);
        Dataset test;
        if (data.test != null) {
            LoadedData loaded = DataOptions.read(new DataSpec(data.test, data.testLabels, null, null, csv),
                    CliProgress.create(true));
            test = Files.isDirectory(data.test) ? loaded.test() : loaded.train();
        } else {
            Path local = localPath(uri);
            test = local != null && Files.isDirectory(local)
                    ? DataOptions.read(new DataSpec(local, null, null, null, csv), CliProgress.create(true)).test()
                    : null;
        }
        if (test != null && data.testLimit != null && data.testLimit < test.size()) {
            test = test.slice(0, data.testLimit, test.name());
        }
        return test;
    }

    /** {@code uri} as a local path ({@code file:} URI or plain path), or null for another file system. */
    private static Path localPath(String uri) {
        if (uri.startsWith("file:")) {
            return Path.of(URI.create(uri));
        }
        return uri.contains("://") ? null : Path.of(uri);
    }
}
