package org.legonet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.Accuracy;
import org.legonet.core.DataFit;
import org.legonet.core.DataSource;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelConfig;
import org.legonet.core.ModelInfo;
import org.legonet.core.TrainStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Train a model from scratch into a model directory.",
        name = "train", sortOptions = false,
        description = "Train a model from scratch and write it to a model directory. Fits the encoder and the keys on the public split only, encodes and routes the private split once, and trains every adapter on the samples that activate it. Nothing is written until training succeeded; the directory appears atomically.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = {"--model", "-m"}, paramLabel = "DIR", required = true, description = "Model directory to create.")
    Path model;

    @Option(names = "--force", description = "Replace an existing model directory.")
    boolean force;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOptions options = new ModelOptions();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig config = options.config();
        boolean spark = engine.spark("train", true);
        LegoNet.checkTarget(model, force);
        data.checkLimits();
        java.io.PrintWriter err = spec.commandLine().getErr();
        IdKeyOptions.NewKey key = idKey.forNewModel(model, System.getenv(), err);
        Result r = spark
                ? SparkEngine.train(engine, model, force, data, given("--data"), given("--labels"), config,
                        !options.encoderGiven(), common, err, key)
                : trainAndSave(model, force, data.prepare(common.progress()), config, !options.encoderGiven(), common,
                        err, key);
        if (common.json) {
            Out.json(spec.commandLine().getOut(), r.toJson());
        } else {
            r.print(spec.commandLine().getOut());
        }
        return 0;
    }

    /** The value of {@code option} as typed (a Spark input may be a URI, which a {@link Path} would mangle), or null. */
    private String given(String option) {
        picocli.CommandLine.Model.OptionSpec o = spec.commandLine().getParseResult().matchedOption(option);
        return o == null ? null : o.originalStringValues().get(o.originalStringValues().size() - 1);
    }

    /**
     * What training produced, for printing.
     *
     * @param info          the trained model, as {@code info} describes it
     * @param stats         figures of the training run
     * @param test          accuracy on the test set, or null without one
     * @param data          the training data, in words
     * @param publicSamples rows in the public split
     * @param idKey         the model's id key and where it is kept
     */
    record Result(Path model, ModelInfo info, TrainStats stats, Accuracy test, String data, int publicSamples,
                  List<DataFit.Notice> notices, IdKeyOptions.NewKey idKey) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toAbsolutePath().normalize().toString());
            m.put("data", data);
            m.put("model_digest", info.digest());
            m.put("id_key_file", idKey.fileName());
            m.put("id_key_created", idKey.create());
            m.put("config", info.config().toMap());
            m.put("public_samples", publicSamples);
            m.put("private_samples", info.retained());
            m.put("test_accuracy", test == null ? null : Out.round(test.accuracy()));
            m.put("adapter_sizes", info.adapterSizes());
            m.put("expected_samples_retrained_per_removal", Out.round(info.expectedRemovalCost()));
            m.put("ideal_samples_retrained_per_removal", Out.round(info.idealRemovalCost()));
            m.put("train_seconds", Out.round(stats.totalSeconds()));
            m.put("adapter_seconds", Out.round(stats.adapterSeconds()));
            m.put("adapter_gflops", Out.round(stats.adapterGflops()));
            List<Map<String, String>> n = new ArrayList<>();
            for (DataFit.Notice notice : notices) {
                n.add(Map.of("kind", notice.kind().label(), "message", notice.message()));
            }
            m.put("notices", n);
            return m;
        }

        void print(java.io.PrintWriter out) {
            ModelInfo.AdapterSizes s = info.adapterSizes();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("model", model.toString());
            rows.put("data", data);
            rows.put("split", String.format(Locale.ROOT, "%,d public / %,d private%s", publicSamples,
                    info.retained(), test == null ? "" : String.format(Locale.ROOT, " / %,d test", test.samples())));
            ModelConfig c = info.config();
            rows.put("setting", c.encoder() + ", n=" + c.adapters() + ", k=" + c.activate() + ", " + c.adapter()
                    + ", " + c.epochs() + " epochs");
            if (test != null) {
                rows.put("test accuracy", Out.pct(test.accuracy()));
            }
            rows.put("adapter sizes", "min " + s.min() + " / mean " + s.mean() + " / max " + s.max());
            rows.put("cost per removal", String.format(Locale.ROOT, "%,.0f samples retrained (balanced ideal k^2 N/n = %,.0f)",
                    info.expectedRemovalCost(), info.idealRemovalCost()));
            rows.put("training", String.format(Locale.ROOT, "%s (adapters %s at %.1f GFLOP/s on %d threads)",
                    Out.secs(stats.totalSeconds()), Out.secs(stats.adapterSeconds()), stats.adapterGflops(),
                    stats.threads()));
            rows.put("digest", info.digest());
            rows.put("id key", idKey.describe());
            Out.table(out, "Trained.", rows);
        }
    }

    /**
     * Trains on the prepared data, writes the model directory, evaluates on the test split. With
     * {@code defaultEncoder} (no encoder named by the user) the default encoder is first fitted to
     * the data's shape ({@link DataFit#defaultEncoder}); an encoder the user named is used as given.
     * Notices about the setting and the data go to {@code err} (one line each) once training
     * succeeded, so that a setting the data cannot take fails with its one-line error alone. The
     * directory's id hashes are keyed with {@code key} ({@link IdKeyOptions#forNewModel}), whose
     * file, if new, is written just before the model.
     */
    static Result trainAndSave(Path model, boolean force, DataOptions.Prepared p, ModelConfig config,
                               boolean defaultEncoder, CommonOptions common, java.io.PrintWriter err,
                               IdKeyOptions.NewKey key) {
        CliProgress progress = common.progress();
        List<DataFit.Notice> notices = new ArrayList<>();
        ModelConfig fitted = fitted(config, defaultEncoder, p.publicSplit().dim(), p.publicSplit().size(),
                p.privateSplit().size(), notices);
        DataSource source = new DataSource(p.description(), p.source().toString(), p.spec(), p.trainRows());
        try (LegoNet net = LegoNet.train(fitted, p.publicSplit(), p.privateSplit(),
                new LegoNet.Options(common.threads, progress, key.key()), source)) {
            printNotices(err, notices, fitted, p.privateSplit().size());
            key.persist();
            net.save(model, force);
            Accuracy test = p.test() == null ? null : net.evaluate(p.test());
            return new Result(model, net.info(), net.trainStats(), test, p.description(), p.publicSplit().size(),
                    List.copyOf(notices), key);
        }
    }

    /**
     * The configuration to train: with {@code defaultEncoder}, the default encoder fitted to the
     * public split's shape. Adds to {@code notices} what the user should hear about the setting.
     */
    static ModelConfig fitted(ModelConfig config, boolean defaultEncoder, int featureDim, int publicSamples,
                              long privateSamples, List<DataFit.Notice> notices) {
        ModelConfig fitted = config;
        if (defaultEncoder) {
            DataFit.EncoderChoice choice = DataFit.defaultEncoder(featureDim, publicSamples);
            fitted = config.withEncoder(choice.encoder());
            choice.notice().ifPresent(notices::add);
        }
        DataFit.adapterShare(fitted, privateCount(privateSamples)).ifPresent(notices::add);
        return fitted;
    }

    /** The notices, one line each on {@code err}. */
    static void printNotices(java.io.PrintWriter err, List<DataFit.Notice> notices, ModelConfig config,
                             long privateSamples) {
        for (DataFit.Notice n : notices) {
            err.println(line(n, config, privateCount(privateSamples)));
        }
        err.flush();
    }

    private static int privateCount(long privateSamples) {
        return (int) Math.min(privateSamples, Integer.MAX_VALUE);
    }

    /** One line for the user: a capped default is a note, a setting that may not fit the data a warning. */
    private static String line(DataFit.Notice n, ModelConfig config, int privateSamples) {
        if (n.kind() == DataFit.Notice.Kind.FEW_SAMPLES_PER_ADAPTER) {
            return "warning: " + n.message() + " (suggested: -n " + DataFit.suggestedAdapters(config, privateSamples) + ")";
        }
        return "note: " + n.message();
    }
}
